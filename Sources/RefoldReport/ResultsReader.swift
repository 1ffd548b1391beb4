import Foundation
import RefoldCore
import RefoldShared

/// Reads the `results.json` files `refold eval` writes: a run's (`refold.results/v1`) and an
/// evaluation's of several variants (`refold.results/v2`, an ``EvaluationManifest`` naming
/// each variant's own file).
public enum ResultsReader {
  /// The run in the results file at `path`.
  ///
  /// An evaluation's file gives its run of `variant`, or its only run when `variant` is nil.
  ///
  /// - Throws: ``ReportError/cannotRead(path:reason:)`` when the file is missing or is not
  ///   a results file; ``ReportError/severalVariants(path:evaluation:requested:variants:files:)``
  ///   when it holds several variants and `variant` names none of them.
  public static func read(from path: String, variant: String? = nil) throws -> RunResults {
    let data = try contents(of: path)
    guard let manifest = try manifest(in: data, path: path) else {
      return try decodeRun(data, path: path)
    }
    let entries = manifest.variants
    if let entry = entries.first(where: { $0.run.variant == variant })
      ?? (variant == nil && entries.count == 1 ? entries.first : nil)
    {
      return try readRun(at: resolve(entry.results, against: path))
    }
    throw ReportError.severalVariants(
      path: path, evaluation: manifest.evaluation.id, requested: variant,
      variants: entries.map(\.run.variant),
      files: entries.map { resolve($0.results, against: path) })
  }

  /// Every run in the results file at `path`, in the evaluation's order, with the manifest
  /// when the file is an evaluation's of several variants.
  ///
  /// - Throws: ``ReportError/cannotRead(path:reason:)`` when the file, or a variant's file
  ///   the manifest names, is missing or not a results file.
  public static func readEvaluation(from path: String) throws -> (
    runs: [RunResults], manifest: EvaluationManifest?
  ) {
    let data = try contents(of: path)
    guard let manifest = try manifest(in: data, path: path) else {
      return ([try decodeRun(data, path: path)], nil)
    }
    let runs = try manifest.variants.map {
      try readRun(at: resolve($0.results, against: path))
    }
    return (runs, manifest)
  }

  /// A path the manifest at `manifestPath` names, relative to its directory.
  static func resolve(_ relative: String, against manifestPath: String) -> String {
    if relative.hasPrefix("/") { return relative }
    return ((manifestPath as NSString).deletingLastPathComponent as NSString)
      .appendingPathComponent(relative)
  }

  /// A variant's own file: a run's, never another manifest.
  private static func readRun(at path: String) throws -> RunResults {
    let data = try contents(of: path)
    if try manifest(in: data, path: path) != nil {
      throw ReportError.cannotRead(
        path: path, reason: "a variant's results file must be one run's, not an evaluation's")
    }
    return try decodeRun(data, path: path)
  }

  private struct SchemaProbe: Decodable {
    var schema: String?
  }

  private static func contents(of path: String) throws -> Data {
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: path)
        ? "the file cannot be read" : "no such file"
      throw ReportError.cannotRead(path: path, reason: reason)
    }
  }

  /// The manifest when `data` is a `refold.results/v2` file, nil for a run's file.
  private static func manifest(in data: Data, path: String) throws -> EvaluationManifest? {
    let schema = (try? JSONDecoder().decode(SchemaProbe.self, from: data))?.schema
    guard schema == EvaluationManifest.schemaIdentifier else { return nil }
    do {
      return try JSONDecoder().decode(EvaluationManifest.self, from: data)
    } catch {
      throw ReportError.cannotRead(
        path: path,
        reason: "it is not a results file written by refold eval (\(SystemReason.of(error)))")
    }
  }

  private static func decodeRun(_ data: Data, path: String) throws -> RunResults {
    do {
      return try JSONDecoder().decode(RunResults.self, from: data)
    } catch let error as DecodingError {
      throw ReportError.cannotRead(
        path: path,
        reason: "it is not a results file written by refold eval (\(SystemReason.of(error)))")
    } catch {
      throw ReportError.cannotRead(path: path, reason: "it is not a results file")
    }
  }
}
