import Foundation
import RefoldCore
import RefoldShared

/// Writes one file of a report whole, through the shared ``AtomicFile``; `results.json`
/// through ``ResultsWriter``.
public enum ReportFile {
  /// Writes `data` to `directory/name`, creating `directory` when it does not exist.
  ///
  /// - Returns: the path written.
  /// - Throws: ``ReportError/cannotWrite(path:reason:)``; the file is then unchanged.
  @discardableResult
  static func write(_ data: Data, named name: String, in directory: String) throws(ReportError)
    -> String
  {
    let path = (directory as NSString).appendingPathComponent(name)
    do {
      try AtomicFile.write(data, to: path)
    } catch {
      throw .cannotWrite(path: error.path, reason: error.reason)
    }
    return path
  }

  /// Writes `results` as `directory/results.json` through ``ResultsWriter``.
  ///
  /// - Returns: the path written.
  /// - Throws: ``ReportError/cannotWrite(path:reason:)``; the file is then unchanged.
  @discardableResult
  public static func write(_ results: RunResults, in directory: String) throws(ReportError)
    -> String
  {
    let path = (directory as NSString).appendingPathComponent(ResultsWriter.fileName)
    do {
      try ResultsWriter.write(results, to: path)
    } catch let failure as AtomicFile.Failure {
      throw .cannotWrite(path: failure.path, reason: failure.reason)
    } catch {
      throw .cannotWrite(path: path, reason: SystemReason.of(error))
    }
    return path
  }

  /// Writes what `body` hands to its output, in pieces, to `directory/name`.
  ///
  /// - Returns: the path written.
  /// - Throws: ``ReportError/cannotWrite(path:reason:)``, or what `body` threw; the file is
  ///   then unchanged.
  @discardableResult
  static func write(
    named name: String, in directory: String,
    _ body: (_ output: ([UInt8]) throws -> Void) throws -> Void
  ) throws -> String {
    let path = (directory as NSString).appendingPathComponent(name)
    do {
      try withoutActuallyEscaping(body) { body in
        try AtomicFile.write(to: path) { sink in
          try body { try sink(Data($0)) }
        }
      }
    } catch let failure as AtomicFile.Failure {
      throw ReportError.cannotWrite(path: failure.path, reason: failure.reason)
    }
    return path
  }

  /// Writes UTF-8 `text`; see ``write(_:named:in:)-(Data,_,_)``.
  @discardableResult
  static func write(_ text: String, named name: String, in directory: String) throws(ReportError)
    -> String
  {
    try write(Data(text.utf8), named: name, in: directory)
  }
}
