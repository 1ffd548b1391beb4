import Foundation
import RefoldShared

/// Where a run's reports go: `reports/<suite>/<run-id>/` unless `--out` says otherwise.
///
/// After the reports are written, ``updateLatest()`` points `reports/<suite>/latest` at the
/// run's directory (a symbolic link, or a copy where links cannot be made).
///
/// ```swift
/// let layout = ReportLayout(suite: "deploy-bot", runID: results.run.id, out: nil)
/// try ReportFile.write(results, in: layout.directory)
/// try layout.updateLatest()
/// ```
public struct ReportLayout: Sendable, Hashable {
  public var suite: String
  public var runID: String
  /// The directory the reports are written to.
  public var directory: String
  /// The `latest` entry to update, or nil when `out` was given explicitly.
  public var latest: String?

  /// A layout under `root` (default `reports`), or exactly `out` when given.
  ///
  /// Suite names and run ids are made safe as path components (`/` and `..` cannot escape
  /// the reports root).
  public init(suite: String, runID: String, out: String?, root: String = "reports") {
    self.suite = suite
    self.runID = runID
    if let out {
      directory = out
      latest = nil
    } else {
      let suiteDirectory = (root as NSString).appendingPathComponent(
        ReportLayout.safeComponent(suite))
      directory = (suiteDirectory as NSString).appendingPathComponent(
        ReportLayout.safeComponent(runID))
      latest = (suiteDirectory as NSString).appendingPathComponent("latest")
    }
  }

  /// Path of a file in the report directory.
  public func path(_ name: String) -> String {
    (directory as NSString).appendingPathComponent(name)
  }

  /// Where a variant's results file goes, relative to the report directory: `results.json`
  /// in an evaluation of one variant; `<variant>/results.json` in one of several, beside the
  /// evaluation's own `results.json` (``EvaluationManifest``).
  public static func resultsFile(variant: String, variants: Int) -> String {
    guard variants > 1 else { return ResultsWriter.fileName }
    return (safeComponent(variant) as NSString).appendingPathComponent(ResultsWriter.fileName)
  }

  /// Points `latest` at this run's directory.
  ///
  /// `latest` becomes a relative symbolic link, or a directory copy if the file system
  /// refuses links. Does nothing when the layout has no `latest`.
  public func updateLatest() throws {
    guard let latest else { return }
    let manager = FileManager.default
    let parent = (latest as NSString).deletingLastPathComponent
    let target = (directory as NSString).lastPathComponent
    let staging = (parent as NSString).appendingPathComponent(
      ".latest.\(ProcessInfo.processInfo.processIdentifier).tmp")
    try? manager.removeItem(atPath: staging)
    do {
      try manager.createSymbolicLink(atPath: staging, withDestinationPath: target)
      // rename(2) replaces an existing link atomically; a directory copy must go first.
      if isRealDirectory(latest) { try manager.removeItem(atPath: latest) }
      if rename(staging, latest) != 0 {
        throw ReportError.cannotWrite(path: latest, reason: String(cString: strerror(errno)))
      }
    } catch {
      try? manager.removeItem(atPath: staging)
      do {
        try manager.copyItem(atPath: directory, toPath: staging)
        if manager.fileExists(atPath: latest) || isSymbolicLink(latest) {
          try manager.removeItem(atPath: latest)
        }
        try manager.moveItem(atPath: staging, toPath: latest)
      } catch {
        try? manager.removeItem(atPath: staging)
        throw ReportError.cannotWrite(path: latest, reason: error.localizedDescription)
      }
    }
  }

  private func isSymbolicLink(_ path: String) -> Bool {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
  }

  private func isRealDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return !isSymbolicLink(path)
      && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  /// `name` with path separators and leading dots replaced, never empty.
  public static func safeComponent(_ name: String) -> String {
    var safe = String(
      name.map { character -> Character in
        character == "/" || character == "\\" || character == "\0" ? "_" : character
      })
    while safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
    return safe.isEmpty ? "_" : safe
  }
}
