import Foundation
import RefoldCore
import RefoldModels
import RefoldTestSupport
import Testing

/// A cassette line longer than the limit is refused while the file is scanned.
@Suite struct CassetteLimitTests {
  @Test func aCassetteLineOverTheLimitNamesItsLine() throws {
    let directory = try TemporaryDirectory()
    let short = #"{"key":"k1","n":0,"request":{},"response":{}}"#
    let long =
      #"{"key":"k2","n":0,"request":{"text":""# + String(repeating: "x", count: 5000)
      + #""},"response":{}}"#
    let path = try directory.write("cassette.jsonl", short + "\n" + long + "\n")
    let limits = InputLimits(maxLineBytes: 1024)
    let error = try InputLimits.$current.withValue(limits) {
      try #require(throws: ModelSourceError.self) { _ = try JSONLCassette(path: path) }
    }
    #expect("\(error)".contains("cassette.jsonl:2"), "\(error)")
    #expect("\(error)".contains("longer than the limit of 1 KiB"), "\(error)")
  }
}
