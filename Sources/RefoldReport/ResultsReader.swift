import Foundation
import RefoldCore
import RefoldShared

/// Reads a `results.json` file that ``ResultsWriter`` wrote.
public enum ResultsReader {
  /// The run in the results file at `path`.
  ///
  /// - Throws: ``ReportError/cannotRead(path:reason:)`` when the file is missing or is not
  ///   a results file.
  public static func read(from path: String) throws -> RunResults {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: path)
        ? "the file cannot be read" : "no such file"
      throw ReportError.cannotRead(path: path, reason: reason)
    }
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
