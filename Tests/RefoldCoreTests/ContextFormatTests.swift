import RefoldCore
import Testing

@Suite struct ContextFormatTests {
  let options = ContextFormat.Options(vocabulary: ContextFormatFixtures.vocabulary)

  @Test func xmlTagsRendersOneBlockPerEventWithYAMLLikeData() {
    let expected = """
      <slack_message>
        channel: #deploys
        from: @kim
        text: |
          deploy it
          the usual way
      </slack_message>

      <request_clarification>
        question: Which service and environment?
      </request_clarification>

      <human_response>
        from: @kim
        text: frontend, staging
      </human_response>

      <check_deployment_status>
        environment: staging
        service: frontend
      </check_deployment_status>

      <check_deployment_status_result>
        notes: ""
        pods:
          - name: web-1
            ready: true
        service: frontend
        version: ""
      </check_deployment_status_result>
      """
    #expect(
      ContextFormat.xmlTags(ContextFormatFixtures.clarification, options: options) == expected)
  }

  @Test func xmlTagsOfARetriedDeploy() {
    let rendered = ContextFormat.xmlTags(ContextFormatFixtures.retriedDeploy, options: options)
    let expectedStart = """
      <slack_message>
        channel: #deploys
        from: @alex
        text: ship latest backend to prod
      </slack_message>

      <list_git_tags></list_git_tags>

      <list_git_tags_result>
        tags:
          - v1.4.2
          - v1.4.1
          - v1.3.0
      </list_git_tags_result>

      <deploy_backend>
        environment: production
        tag: v1.4.2
      </deploy_backend>

      <approval>
        approved: true
        by: @sam
      </approval>

      <error>
        intent: deploy_backend
        message: connection refused
      </error>
      """
    #expect(rendered.hasPrefix(expectedStart))
    #expect(
      rendered.hasSuffix(
        """
        <deploy_backend_result>
          healthy: true
          replicas: 3
          status: deployed
          tag: v1.4.2
        </deploy_backend_result>
        """))
  }

  @Test(arguments: [
    (JSONValue.string("3"), "\"3\""), (.string("true"), "\"true\""), (.string(""), "\"\""),
    (.string(" padded"), "\" padded\""), (.string("v1.4.2"), "v1.4.2"), (.int(3), "3"),
    (.double(0.5), "0.5"), (.null, "null"), (.emptyObject, "{}"), (.array([]), "[]"),
    (.string("-3.5"), #""-3.5""#), (.string("padded\t"), #""padded\t""#),
    (.string("\r5"), #""\r5""#), (.string("NO"), #""NO""#), (.string("1e5"), #""1e5""#),
    (.string("12abc"), "12abc"), (.string("-"), "-"), (.string("- x"), #""- x""#),
  ])
  func scalarsStayDistinguishable(value: JSONValue, expected: String) {
    let event = Event(thread: "t", seq: 0, type: "x", data: ["v": value])
    #expect(ContextFormat.xmlBlock(event) == "<x>\n  v: \(expected)\n</x>")
  }

  @Test func nestedListsAndObjectsIndent() {
    let event = Event(
      thread: "t", seq: 0, type: "list_git_tags_result",
      data: [
        "tags": [["name": "v1", "meta": ["by": "ci", "checks": ["lint", "test"]]], [1, 2]]
      ])
    let expected = """
      <list_git_tags_result>
        tags:
          - meta:
              by: ci
              checks:
                - lint
                - test
            name: v1
          - - 1
            - 2
      </list_git_tags_result>
      """
    #expect(ContextFormat.xmlBlock(event) == expected)
  }

  @Test(arguments: [
    JSONValue.object([:]), [], "plain", "two\nlines", "crlf\r\nand\nlf\n", " padded", "-3.5",
    "True", "- dash", 42, 0.25, .null, true,
    [
      "list": [["a": 1, "b": ["x", "y"]], [["deep": []], []], [:], "l1\nl2", ["m": "a\r\nb"]],
      "nested": ["inner": ["k": "v", "empty": [:]], "ünï": "côde"], "Z": "z", "a": "",
    ],
    [[1, [2, [3]]], ["k": [["j": 1]]]],
  ])
  func xmlBlocksAreTheYAMLLinesOfTheData(_ data: JSONValue) {
    let lines = ContextFormat.yamlLines(data, indent: 1)
    let expected =
      lines.isEmpty ? "<x></x>" : "<x>\n" + lines.joined(separator: "\n") + "\n</x>"
    #expect(ContextFormat.xmlBlock(Event(thread: "t", seq: 0, type: "x", data: data)) == expected)
  }

  /// A text a YAML reader would take for a number is quoted; a date, a version or a word
  /// that only starts like one is written as it is.
  @Test func numberLikeTextsAreQuotedAndOthersAreNot() {
    let data: JSONValue = [
      "a": "1794849645.100001", "b": "2026-11-20T10:00:00Z", "c": "1e5", "d": "12abc",
      "e": "-0", "f": "v2.9.3", "g": "+1",
    ]
    let expected = """
      <x>
        a: "1794849645.100001"
        b: 2026-11-20T10:00:00Z
        c: "1e5"
        d: 12abc
        e: "-0"
        f: v2.9.3
        g: +1
      </x>
      """
    #expect(ContextFormat.xmlBlock(Event(thread: "t", seq: 0, type: "x", data: data)) == expected)
  }

  @Test func jsonEventsWritesOneCanonicalObjectPerLine() {
    let expected = """
      {"type":"slack_message","data":{"channel":"#deploys","from":"@kim","text":"deploy it\\nthe usual way"}}
      {"type":"request_clarification","data":{"question":"Which service and environment?"}}
      {"type":"human_response","data":{"from":"@kim","text":"frontend, staging"}}
      {"type":"check_deployment_status","data":{"environment":"staging","service":"frontend"}}
      {"type":"check_deployment_status_result","data":{"notes":"","pods":[{"name":"web-1","ready":true}],"service":"frontend","version":""}}
      """
    #expect(
      ContextFormat.jsonEvents(ContextFormatFixtures.clarification, options: options) == expected)
  }

  @Test func chatMessagesRotateRolesWithNativeToolCalls() throws {
    let messages = ContextFormat.chatMessages(ContextFormatFixtures.clarification, options: options)
    let id1 = ContextFormat.toolCallID(thread: "deploy-012", seq: 1)
    let id3 = ContextFormat.toolCallID(thread: "deploy-012", seq: 3)
    #expect(id1 == "call_8252716b_1")
    let expected: [ContextFormat.Message] = [
      .init(
        role: .user,
        content: ContextFormat.xmlBlock(ContextFormatFixtures.clarification[0])),
      .init(
        role: .assistant,
        toolCalls: [
          .init(
            id: id1, name: "request_clarification",
            arguments: ["question": "Which service and environment?"])
        ]),
      .init(role: .tool, content: #"{"status":"awaiting_human"}"#, toolCallID: id1),
      .init(
        role: .user,
        content: "<human_response>\n  from: @kim\n  text: frontend, staging\n</human_response>"),
      .init(
        role: .assistant,
        toolCalls: [
          .init(
            id: id3, name: "check_deployment_status",
            arguments: ["service": "frontend", "environment": "staging"])
        ]),
      .init(
        role: .tool,
        content:
          #"{"notes":"","pods":[{"name":"web-1","ready":true}],"service":"frontend","version":""}"#,
        toolCallID: id3),
    ]
    #expect(messages == expected)
  }

  @Test func chatMessagesAnswerErrorsAsFailedToolMessages() {
    let events = [
      Event(thread: "t", seq: 0, type: "slack_message", data: ["text": "status?"]),
      Event(
        thread: "t", seq: 1, type: "check_deployment_status",
        data: ["service": "backend", "environment": "production"]),
      Event(
        thread: "t", seq: 2, type: "error",
        data: ["intent": "check_deployment_status", "message": "timeout"]),
    ]
    let messages = ContextFormat.chatMessages(events, options: options)
    #expect(messages.count == 3)
    #expect(messages[2].role == .tool)
    #expect(messages[2].isError)
    #expect(messages[2].toolCallID == ContextFormat.toolCallID(thread: "t", seq: 1))
    #expect(messages[2].content == #"{"intent":"check_deployment_status","message":"timeout"}"#)
  }

  @Test func chatTranscriptOfARetriedDeployClosesApprovalCallsBeforeUserTurns() {
    let transcript = ContextFormat.render(
      ContextFormatFixtures.retriedDeploy, as: .chatMessages, options: options
    ).transcript
    let expected = """
      [assistant]
      call call_8231117d_3: deploy_backend {"environment":"production","tag":"v1.4.2"}
      [tool → call_8231117d_3]
      {"status":"awaiting_approval"}
      [user]
      <approval>
        approved: true
        by: @sam
      </approval>
      [user]
      <error>
        intent: deploy_backend
        message: connection refused
      </error>
      """
    #expect(transcript.contains(expected))
  }

  @Test func hidingResolvedErrorsDropsTheErrorAndTheFailedCall() {
    var hiding = options
    hiding.hidesResolvedErrors = true
    let visible = ContextFormat.visibleEvents(ContextFormatFixtures.retriedDeploy, options: hiding)
    #expect(visible.map(\.seq) == [0, 1, 2, 6, 7, 8])
    let xml = ContextFormat.xmlTags(ContextFormatFixtures.retriedDeploy, options: hiding)
    #expect(!xml.contains("<error>"))
    #expect(xml.components(separatedBy: "<deploy_backend>").count == 2)
  }

  @Test func unresolvedErrorsStayVisible() {
    var hiding = options
    hiding.hidesResolvedErrors = true
    let events = Array(ContextFormatFixtures.retriedDeploy.prefix(8))
    #expect(ContextFormat.visibleEvents(events, options: hiding).count == 8)
  }

  @Test func renderingIsDeterministic() {
    for kind in ContextFormatKind.allCases {
      let first = ContextFormat.render(
        ContextFormatFixtures.retriedDeploy, as: kind, options: options)
      let second = ContextFormat.render(
        ContextFormatFixtures.retriedDeploy, as: kind, options: options)
      #expect(first == second)
    }
  }
}
