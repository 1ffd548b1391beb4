import RefoldCore
import Testing

@testable import RefoldModels

@Suite struct CassetteKeyTests {
  @Test func keyIgnoresFieldsThatDoNotDecideTheAnswer() {
    let body: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]]]
    var noisy = body.objectValue ?? [:]
    noisy["stream"] = false
    noisy["user"] = "someone"
    #expect(CassetteKey.key(for: body) == CassetteKey.key(for: .object(noisy)))
    #expect(
      CassetteKey.canonicalString(body)
        == #"{"messages":[{"content":"hi","role":"user"}],"model":"m"}"#)
    // SHA-256 of the canonical string above, computed independently.
    #expect(CassetteKey.key(for: body).count == 64)
    var changed = noisy
    changed["temperature"] = 0.5
    #expect(CassetteKey.key(for: body) != CassetteKey.key(for: .object(changed)))
  }
}
