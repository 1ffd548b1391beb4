import Foundation
import RefoldCore
import RefoldShared

/// Builds `junit.xml` from an evaluation's threads as they finish: each thread's
/// `<testsuite>` is rendered when it arrives and spooled, and the header (whose counts need
/// every case) and each variant's gate suite are written when the runs finish.
///
/// It holds only the counts and where each thread's suite is in its variant's spool; threads
/// arrive a variant at a time, each variant's in the order its cases first name them.
final class JUnitReportBuilder {
  private let writer: JUnitReportWriter
  private let runs: [RunInfo]
  private var spools: [SpoolFile?]
  /// For each variant, each thread suite's bytes before its timestamp and after it.
  private var suites: [[(head: Int, tail: Int)]]
  private var totals: [(tests: Int, failures: Int, errors: Int, skipped: Int)]

  init(writer: JUnitReportWriter, runs: [RunInfo]) {
    self.writer = writer
    self.runs = runs
    spools = Array(repeating: nil, count: runs.count)
    suites = Array(repeating: [], count: runs.count)
    totals = Array(repeating: (0, 0, 0, 0), count: runs.count)
  }

  /// Renders and spools the suite of one thread of the variant at `variant`.
  func add(variant: Int, _ thread: ThreadCases) throws(ReportError) {
    guard !thread.cases.isEmpty else { return }
    let info = runs[variant]
    var counts = (failures: 0, errors: 0, skipped: 0)
    for result in thread.cases {
      let one = writer.caseCounts(result)
      counts.failures += one.failures
      counts.errors += one.errors
      counts.skipped += one.skipped
    }
    totals[variant].tests += thread.cases.count
    totals[variant].failures += counts.failures
    totals[variant].errors += counts.errors
    totals[variant].skipped += counts.skipped
    let classname = "refold.\(info.suite).\(info.variant).\(thread.thread)"
    var head = "  <testsuite name=\"\(Escaping.xml(classname))\" tests=\"\(thread.cases.count)\" "
    head += "failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" "
    head += "skipped=\"\(counts.skipped)\" time=\"0.000\" timestamp=\""
    var tail = "\">\n"
    for result in thread.cases {
      tail += writer.testcase(result, classname: classname)
    }
    tail += "  </testsuite>\n"
    let spool: SpoolFile
    if let existing = spools[variant] {
      spool = existing
    } else {
      spool = try SpoolFile(holding: "junit")
      spools[variant] = spool
    }
    try spool.append(head.utf8)
    try spool.append(tail.utf8)
    suites[variant].append((head.utf8.count, tail.utf8.count))
  }

  /// Writes the document for the runs' heads (in the variants' order) to `output`.
  func finish(_ heads: [RunResults], into output: ([UInt8]) throws -> Void) throws {
    var gateSuites: [String] = []
    var all = (tests: 0, failures: 0, errors: 0, skipped: 0, time: 0.0)
    for (index, results) in heads.enumerated() {
      let gate = writer.gateSuite(results)
      gateSuites.append(gate.xml)
      all.tests += gate.tests
      all.failures += gate.failures
      all.errors += gate.errors
      all.skipped += gate.skipped
      all.time += JUnitReportWriter.wallTime(results.run)
      if index < totals.count {
        all.tests += totals[index].tests
        all.failures += totals[index].failures
        all.errors += totals[index].errors
        all.skipped += totals[index].skipped
      }
    }
    let name = heads.first.map { "refold.\($0.run.suite)" } ?? "refold"
    var header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    header += "<testsuites name=\"\(Escaping.xml(name))\" tests=\"\(all.tests)\" "
    header += "failures=\"\(all.failures)\" errors=\"\(all.errors)\" "
    header += "skipped=\"\(all.skipped)\" "
    header += "time=\"\(JUnitReportWriter.seconds(all.time))\">\n"
    try output(Array(header.utf8))
    for (index, results) in heads.enumerated() {
      try output(Array(gateSuites[index].utf8))
      guard index < spools.count, let spool = spools[index] else { continue }
      let timestamp = Array(
        Escaping.xml(JUnitReportWriter.timestamp(results.run.startedAt)).utf8)
      var reader = try spool.reader()
      var buffer: [UInt8] = []
      for suite in suites[index] {
        buffer += try reader.bytes(suite.head)
        buffer += timestamp
        buffer += try reader.bytes(suite.tail)
        if buffer.count >= 1 << 16 {
          try output(buffer)
          buffer.removeAll(keepingCapacity: true)
        }
      }
      try output(buffer)
    }
    try output(Array("</testsuites>\n".utf8))
    abandon()
  }

  /// Removes the spools.
  func abandon() {
    for spool in spools { spool?.remove() }
    spools = Array(repeating: nil, count: runs.count)
    suites = Array(repeating: [], count: runs.count)
  }
}
