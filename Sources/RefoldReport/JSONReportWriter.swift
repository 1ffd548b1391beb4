import Foundation
import RefoldCore
import RefoldShared

/// Writes `results.json`: the run's ``RunResults`` in the `refold.results/v1` format.
///
/// Keys are sorted and the output is pretty-printed, so two results files diff line by line.
public struct JSONReportWriter: Sendable {
  public static let fileName = "results.json"

  public init() {}

  /// The encoded bytes of `results`.
  public func encode(_ results: RunResults) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      var data = try encoder.encode(results)
      data.append(0x0A)
      return data
    } catch {
      throw ReportError.cannotWrite(
        path: JSONReportWriter.fileName, reason: "the results cannot be encoded: \(error)")
    }
  }

  /// Writes `results.json` into `directory` atomically.
  /// - Returns: the path written.
  @discardableResult
  public func write(_ results: RunResults, to directory: String) throws -> String {
    try ReportFile.write(encode(results), named: JSONReportWriter.fileName, in: directory)
  }

  /// Reads a results file.
  public static func read(from path: String) throws -> RunResults {
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      return try JSONDecoder().decode(RunResults.self, from: data)
    } catch {
      throw ReportError.cannotRead(path: path, reason: "\(error)")
    }
  }
}
