import RefoldShared
import Testing

/// The key a golden thread is shared under in `golden_threads`: SQLite and PostgreSQL stores
/// and every machine must agree on it, so its values are pinned (worked out apart from this
/// code, in Python, from the same definition).
@Suite struct GoldenKeyTests {
  @Test func keysArePinnedForWholeWordsTheLastBytesAndNothing() {
    let line =
      Array(
        #"{"data":{"text":"ship it"},"seq":1,"thread":"deploy-001","type":"user_input"}"#.utf8)
      + [0x0A]
    #expect(
      StoredRun.goldenKey(thread: "deploy-001", line)
        == "deploy-001 fnv1a64w-eb79dcaccef36b92-78")
    #expect(StoredRun.goldenKey(thread: "t", []) == "t fnv1a64w-cbf29ce484222325-0")
    #expect(StoredRun.goldenKey(thread: "t", Array("abc".utf8)) == "t fnv1a64w-e71fa2190541574b-3")
  }

  @Test func anyChangedByteChangesTheKey() {
    let base = Array(repeating: UInt8(ascii: "a"), count: 4096)
    let key = StoredRun.goldenKey(thread: "t", base)
    var seen: Set<String> = [key]
    for index in stride(from: 0, to: base.count, by: 61) {
      for bit in [0, 3, 7] {
        var changed = base
        changed[index] ^= UInt8(1 << bit)
        seen.insert(StoredRun.goldenKey(thread: "t", changed))
      }
    }
    #expect(seen.count == 1 + 3 * Array(stride(from: 0, to: base.count, by: 61)).count)
  }
}
