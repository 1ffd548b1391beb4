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
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      return try JSONDecoder().decode(RunResults.self, from: data)
    } catch {
      throw ReportError.cannotRead(path: path, reason: "\(error)")
    }
  }
}
