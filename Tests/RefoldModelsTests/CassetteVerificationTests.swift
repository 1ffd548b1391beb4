import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import RefoldTestSupport
import Testing

/// A cassette line is verified the first time it is read: by the hash of its request's
/// bytes when they are canonical, else by the hash of the parsed request.
@Suite struct CassetteVerificationTests {
  let answer: JSONValue = ["choices": [["message": ["role": "assistant", "content": "hi"]]]]

  func line(key: String, request: String) -> String {
    #"{"key":"\#(key)","n":0,"provider":"openai","recorded_at":"2026-11-20T10:00:00Z","request":"#
      + request + #","response":"# + answer.canonicalString + "}"
  }

  @Test func aRequestWrittenAnotherWayVerifiesByItsParsedHash() throws {
    let directory = try TemporaryDirectory()
    // Not canonical (spaces, key order) and with a field that does not decide the answer.
    let request = #"{ "stream": true, "model": "m", "messages": [] }"#
    let key = CassetteKey.key(for: ["model": "m", "messages": []])
    let path = try directory.write("c.jsonl", line(key: key, request: request) + "\n")
    let answers = try JSONLCassette(path: path).answers(forKey: key)
    #expect(answers.map(\.response) == [answer])
    #expect(answers.map(\.request) == [.null])
  }

  @Test func aStaleKeyIsRefusedOnFirstReadAndAtOpenWithVerify() throws {
    let directory = try TemporaryDirectory()
    let stale = String(repeating: "ab", count: 32)
    let path = try directory.write(
      "c.jsonl", line(key: stale, request: #"{"messages":[],"model":"m"}"#) + "\n")
    let cassette = try JSONLCassette(path: path)
    for read in [cassette.answers(forKey:), cassette.exchanges(forKey:)] {
      let error = try #require(throws: ModelSourceError.self) { try read(stale) }
      #expect("\(error)".contains("c.jsonl:1: the key \(stale) is not the hash"), "\(error)")
    }
    #expect(throws: ModelSourceError.self) { try JSONLCassette(path: path, verify: true) }
  }

  @Test func anAnswerNotInTheProvidersFormatIsRefused() throws {
    let directory = try TemporaryDirectory()
    let request = #"{"messages":[],"model":"m"}"#
    let key = CassetteKey.key(for: ["model": "m", "messages": []])
    let text = line(key: key, request: request).replacingOccurrences(
      of: answer.canonicalString, with: #"{"text":"hi"}"#)
    let path = try directory.write("c.jsonl", text + "\n")
    let error = try #require(throws: ModelSourceError.self) {
      try JSONLCassette(path: path).answers(forKey: key)
    }
    #expect("\(error)".contains("the answer is not an OpenAI chat completion"), "\(error)")
  }
}
