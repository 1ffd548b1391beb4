import RefoldCore
import RefoldModels
import Testing

@testable import RefoldEval

@Suite struct MatcherTests {
  @Test func exactIsNumericallyEqualJSON() {
    let expected: JSONValue = ["tag": "v1.4.2", "replicas": 3, "ratio": 0.5]
    let same: JSONValue = ["tag": "v1.4.2", "replicas": 3.0, "ratio": 0.5]
    #expect(ParameterComparison.differences(expected: expected, actual: same).isEmpty)
    let differences = ParameterComparison.differences(
      expected: expected, actual: ["tag": "v1.4.1", "replicas": 3, "extra": true])
    #expect(differences.map(\.path) == ["extra", "ratio", "tag"])
    #expect(differences.map(\.reason) == ["unexpected parameter", "missing", "differs"])
    #expect(differences.allSatisfy { $0.matcher == "exact" })
  }

  @Test func exactWithAnExplicitValue() {
    let matchers: [String: ParameterMatcher] = ["environment": .exact("staging")]
    #expect(
      ParameterComparison.differences(
        expected: ["environment": "production"], actual: ["environment": "staging"],
        matchers: matchers
      ).isEmpty)
    #expect(
      ParameterComparison.differences(
        expected: ["environment": "staging"], actual: ["environment": "production"],
        matchers: matchers
      ).count == 1)
  }

  @Test func anyAcceptsAnythingIncludingAbsence() {
    let matchers: [String: ParameterMatcher] = ["message": .any]
    #expect(
      ParameterComparison.differences(
        expected: ["message": "done"], actual: ["message": "all good"], matchers: matchers
      ).isEmpty)
    #expect(
      ParameterComparison.differences(
        expected: ["message": "done"], actual: [:], matchers: matchers
      )
      .isEmpty)
  }

  @Test func regexMatchesTheWholeString() {
    let matchers: [String: ParameterMatcher] = ["tag": .regex(#"v1\.4\.\d+"#)]
    #expect(
      ParameterComparison.differences(
        expected: ["tag": "v1.4.2"], actual: ["tag": "v1.4.9"], matchers: matchers
      ).isEmpty)
    let wrong = ParameterComparison.differences(
      expected: ["tag": "v1.4.2"], actual: ["tag": "v1.4.2-rc1"], matchers: matchers)
    #expect(wrong.map(\.matcher) == ["regex"])
    #expect(
      ParameterComparison.differences(
        expected: ["tag": "v1.4.2"], actual: ["tag": 142], matchers: matchers
      ).count == 1)
  }

  @Test func oneOf() {
    let matchers: [String: ParameterMatcher] = ["environment": .oneOf(["staging", "production"])]
    #expect(
      ParameterComparison.differences(
        expected: ["environment": "production"], actual: ["environment": "staging"],
        matchers: matchers
      ).isEmpty)
    let wrong = ParameterComparison.differences(
      expected: ["environment": "production"], actual: ["environment": "qa"], matchers: matchers)
    #expect(wrong.first?.matcher == "one_of")
  }

  @Test func toleranceIsAbsolute() {
    let matchers: [String: ParameterMatcher] = ["config.ratio": .tolerance(0.05, value: nil)]
    let expected: JSONValue = ["config": ["ratio": 0.5, "name": "a"]]
    #expect(
      ParameterComparison.differences(
        expected: expected, actual: ["config": ["ratio": 0.54, "name": "a"]], matchers: matchers
      ).isEmpty)
    let far = ParameterComparison.differences(
      expected: expected, actual: ["config": ["ratio": 0.56, "name": "a"]], matchers: matchers)
    #expect(far.map(\.path) == ["config.ratio"])
    #expect(far.first?.matcher == "tolerance")
    let explicit: [String: ParameterMatcher] = ["replicas": .tolerance(1, value: 10)]
    #expect(
      ParameterComparison.differences(
        expected: ["replicas": 3], actual: ["replicas": 11], matchers: explicit
      ).isEmpty)
  }

  @Test func subsetAcceptsExtraMembersAndElements() {
    let matchers: [String: ParameterMatcher] = ["$": .subsetOfGolden]
    let expected: JSONValue = ["tag": "v1.4.2", "services": ["api"]]
    #expect(
      ParameterComparison.differences(
        expected: expected, actual: ["tag": "v1.4.2", "services": ["web", "api"], "note": "x"],
        matchers: matchers
      ).isEmpty)
    let missing = ParameterComparison.differences(
      expected: expected, actual: ["services": ["api"]], matchers: matchers)
    #expect(missing.map(\.path) == ["$"])
    #expect(missing.first?.matcher == "subset")
  }

  @Test func arrayPathsAndLengths() {
    let expected: JSONValue = ["services": ["api", "web"]]
    let differences = ParameterComparison.differences(
      expected: expected, actual: ["services": ["api", "worker", "cron"]],
      matchers: ["services[0]": .any])
    #expect(differences.map(\.path) == ["services[1]", "services[2]"])
    #expect(differences.map(\.reason) == ["differs", "unexpected parameter"])
  }

  /// The matcher written as `yaml`, read as one node of an expectations file.
  func matcher(_ yaml: String) throws -> ParameterMatcher {
    let node = try #require(try YAMLNode.parse(yaml, file: "expectations.yaml"))
    return try Expectations.parseMatcher(node)
  }

  @Test func matchersParseFromDocuments() throws {
    #expect(try matcher("any") == .any)
    #expect(try matcher("{regex: v.*}") == .regex("v.*"))
    #expect(try matcher("{one_of: [1, 2]}") == .oneOf([1, 2]))
    #expect(try matcher("{tolerance: 0.5, value: 3}") == .tolerance(0.5, value: 3))
    #expect(try matcher("{subset: true}") == .subsetOfGolden)
    #expect(try matcher("{exact: x}") == .exact("x"))
    #expect(throws: YAMLProblem.self) { try matcher(#"{regex: "("}"#) }
    #expect(throws: YAMLProblem.self) { try matcher("{fuzzy: 1}") }
    do {
      _ = try matcher("\n\n{fuzzy: 1}")
    } catch {
      #expect(
        "\(error)"
          == "expectations.yaml:3: fuzzy: unknown matcher; expected one of exact, any, regex, "
          + "one_of, tolerance, subset, judge, similar")
    }
  }

  @Test func threadPatterns() {
    #expect(Expectations.matches(pattern: "deploy-*", "deploy-001"))
    #expect(Expectations.matches(pattern: "*", "anything"))
    #expect(Expectations.matches(pattern: "*-001", "deploy-001"))
    #expect(!Expectations.matches(pattern: "deploy-*", "rollback-001"))
    #expect(Expectations.matches(pattern: "deploy-001", "deploy-001"))
    #expect(!Expectations.matches(pattern: "deploy-001", "deploy-0011"))
  }

  @Test func intentMatchersApplyToEveryDecisionOfTheIntentUnderStepMatchers() throws {
    let expectations = try Expectations.parse(
      """
      - {thread: "*", intents: {done_for_now: {message: any}}}
      - thread: deploy-*
        intents: {deploy_backend: {tag: {regex: "v[0-9.]+"}}}
        steps: [{step: 2, parameters: {tag: exact}}]
      """, file: "expectations.yaml")
    let deploy = expectations.forThread("deploy-001")
    #expect(deploy.step(5, seq: 9, intent: "done_for_now")?.parameters == ["message": .any])
    #expect(
      deploy.step(1, seq: 3, intent: "deploy_backend")?.parameters == ["tag": .regex("v[0-9.]+")])
    #expect(deploy.step(2, seq: 5, intent: "deploy_backend")?.parameters == ["tag": .exactGolden])
    #expect(deploy.step(1, seq: 3, intent: "list_git_tags") == nil)
    let other = expectations.forThread("status-001")
    #expect(other.step(0, seq: 1, intent: "deploy_backend") == nil)
    #expect(throws: SuiteError.self) {
      try Expectations.parse(
        #"[{thread: "*", intents: {done_for_now: {message: fuzzy}}}]"#, file: "expectations.yaml")
    }
  }
}
