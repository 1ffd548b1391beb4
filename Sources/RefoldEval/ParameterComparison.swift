import RefoldCore
import RefoldShared

/// Compares decision parameters with matchers at paths.
public enum ParameterComparison {
  /// The differences between golden and actual parameters; empty when they match.
  ///
  /// `matchers` are keyed by path: `tag`, `config.replicas`, `services[1]`, or `$` for the
  /// whole parameter object. A matcher at a path replaces the comparison of everything below.
  ///
  /// `verdicts` are the judge's and the embeddings' answers for the `judge` and `similar`
  /// matchers, by path; a judged matcher without one is a difference. Without `verdicts`
  /// (nil: matching tool calls in a loop, where free text must not decide a divergence)
  /// judged matchers accept any value.
  public static func differences(
    expected: JSONValue, actual: JSONValue, matchers: [String: ParameterMatcher] = [:],
    verdicts: [String: JudgedParameter]? = nil
  ) -> [ParameterDifference] {
    var differences: [ParameterDifference] = []
    var questions: [JudgedQuestion] = []
    compare(
      expected, actual, path: "$", matchers: matchers, verdicts: verdicts, into: &differences,
      questions: &questions)
    return differences
  }

  /// The `judge` and `similar` matchers the comparison of these parameters reaches, with the
  /// values at their paths: what to ask before ``differences(expected:actual:matchers:verdicts:)``.
  public static func judgedQuestions(
    expected: JSONValue, actual: JSONValue, matchers: [String: ParameterMatcher]
  ) -> [JudgedQuestion] {
    guard matchers.values.contains(where: \.isJudged) else { return [] }
    var differences: [ParameterDifference] = []
    var questions: [JudgedQuestion] = []
    compare(
      expected, actual, path: "$", matchers: matchers, verdicts: [:], into: &differences,
      questions: &questions)
    return questions
  }

  private static func compare(
    _ expected: JSONValue?, _ actual: JSONValue?, path: String,
    matchers: [String: ParameterMatcher], verdicts: [String: JudgedParameter]?,
    into differences: inout [ParameterDifference], questions: inout [JudgedQuestion]
  ) {
    let shownPath = path == "$" ? "$" : path
    if let matcher = matchers[path], matcher.isJudged {
      guard let verdicts else { return }
      guard let verdict = verdicts[path] else {
        questions.append(
          JudgedQuestion(path: shownPath, matcher: matcher, expected: expected, actual: actual))
        if let reason = matcher.mismatch(expected: expected, actual: actual) {
          differences.append(
            ParameterDifference(
              path: shownPath, expected: expected, actual: actual, matcher: matcher.name,
              reason: reason))
        }
        return
      }
      if !verdict.passed {
        differences.append(
          ParameterDifference(
            path: shownPath, expected: expected, actual: actual, matcher: matcher.name,
            reason: verdict.failureReason))
      }
      return
    }
    if let matcher = matchers[path] {
      if let reason = matcher.mismatch(expected: expected, actual: actual) {
        differences.append(
          ParameterDifference(
            path: shownPath, expected: expected, actual: actual, matcher: matcher.name,
            reason: reason))
      }
      return
    }
    func child(_ key: String) -> String { path == "$" ? key : path + "." + key }
    switch (expected, actual) {
    case (.object(let golden)?, .object(let given)?):
      let keys = Set(golden.keys).union(given.keys).union(
        matchers.keys.compactMap { directChild(of: path, in: $0) }
      ).sorted()
      for key in keys {
        compare(
          golden[key], given[key], path: child(key), matchers: matchers, verdicts: verdicts,
          into: &differences, questions: &questions)
      }
    case (.array(let golden)?, .array(let given)?):
      for index in 0..<max(golden.count, given.count) {
        let expectedElement: JSONValue? = index < golden.count ? .some(golden[index]) : .none
        let actualElement: JSONValue? = index < given.count ? .some(given[index]) : .none
        compare(
          expectedElement, actualElement,
          path: "\(path == "$" ? "" : path)[\(index)]", matchers: matchers, verdicts: verdicts,
          into: &differences, questions: &questions)
      }
    default:
      if let reason = ParameterMatcher.exactGolden.mismatch(expected: expected, actual: actual) {
        differences.append(
          ParameterDifference(
            path: shownPath, expected: expected, actual: actual, matcher: "exact", reason: reason))
      }
    }
  }

  /// The member name when `candidate` is a direct object child of `path` (`a.b` of `a`).
  private static func directChild(of path: String, in candidate: String) -> String? {
    let prefix = path == "$" ? "" : path + "."
    guard candidate.hasPrefix(prefix), candidate != "$" else { return nil }
    let rest = candidate.dropFirst(prefix.count)
    guard !rest.isEmpty, !rest.contains("."), !rest.contains("[") else { return nil }
    return String(rest)
  }
}
