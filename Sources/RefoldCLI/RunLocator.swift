import Foundation
import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared
import RefoldStore

/// Finds runs by id in the store or as results files, and names new ones.
enum RunLocator {
  /// Loads a run: an existing file is read as `results.json`, anything else is a run id in
  /// the store.
  ///
  /// - Parameter variant: the variant to take from an evaluation's `results.json` of several
  ///   variants; without it such a file is an error that names each variant's own file.
  static func load(_ reference: String, store: StoreOptions, variant: String? = nil) throws
    -> RunResults
  {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory) {
      let file =
        isDirectory.boolValue
        ? (reference as NSString).appendingPathComponent(ResultsWriter.fileName) : reference
      do {
        return try ResultsReader.read(from: file, variant: variant)
      } catch ReportError.cannotRead(_, let reason) {
        throw CLIError("\(file) is not a readable refold results file: \(reason)")
      }
    }
    guard let run = try store.openStores(creating: false).runStore().run(id: reference) else {
      throw CLIError(
        "no run \"\(reference)\" in \(store.databaseName) and no results file at that path")
    }
    return run
  }

  /// The outline of a run, located as ``load(_:store:variant:)`` locates it: a stored run's
  /// from its case rows (no case body or golden thread read), a results file's from the file.
  static func loadOutline(_ reference: String, store: StoreOptions, variant: String? = nil)
    throws -> RunOutline
  {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory) {
      return try load(reference, store: store, variant: variant).outline
    }
    guard let run = try store.openStores(creating: false).runStore().outline(id: reference) else {
      throw CLIError(
        "no run \"\(reference)\" in \(store.databaseName) and no results file at that path")
    }
    return run
  }

  /// Every run an existing results file (or its directory) holds, with the evaluation's
  /// manifest when it holds several variants; nil when `reference` is no file.
  static func loadFile(_ reference: String) throws -> (
    runs: [RunResults], manifest: EvaluationManifest?
  )? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory) else {
      return nil
    }
    let file =
      isDirectory.boolValue
      ? (reference as NSString).appendingPathComponent(ResultsWriter.fileName) : reference
    do {
      return try ResultsReader.readEvaluation(from: file)
    } catch ReportError.cannotRead(_, let reason) {
      throw CLIError("\(file) is not a readable refold results file: \(reason)")
    }
  }

  /// A sortable, path-safe, unique stamp for run ids: `20261126-181502-3f9a`.
  static func stamp(_ date: Date) -> String { RunStamp.stamp(date) }

  /// The commit checked out in the working directory, if it is a git repository.
  static func gitCommit() -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "rev-parse", "HEAD"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    // Waited for through its termination handler: `waitUntilExit` polls a run loop every
    // 50 ms while the process has not been seen to end (56 ms for this 3 ms command in a
    // standalone program).
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do {
      try process.run()
    } catch {
      return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    exited.wait()
    guard process.terminationStatus == 0 else { return nil }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? nil : text
  }
}
