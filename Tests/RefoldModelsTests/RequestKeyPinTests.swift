import Crypto
import RefoldCore
import Testing

@testable import RefoldModels

/// Pins the cassette keys and rendered contexts of fixed requests, so that recorded cassettes
/// keep replaying: any change to how requests are rendered, built or hashed changes a key
/// here first.
@Suite struct RequestKeyPinTests {
  /// A thread exercising every kind of event the renderers treat differently: an input with
  /// quotes, a backslash, a tab, a multi-line text and non-ASCII text, a result, a refused
  /// approval with feedback, a tool error, numbers, nested data and an empty decision.
  static let thread: [Event] = [
    Event(
      thread: "pin-7", seq: 0, type: "slack_message",
      data: [
        "from": "@alex", "channel": "#deploys",
        "text": "please ship \"the latest\" backend\nto prod \\ ASAP\tthanks — ünïcode",
      ]),
    Event(thread: "pin-7", seq: 1, type: "list_git_tags"),
    Event(
      thread: "pin-7", seq: 2, type: "list_git_tags_result",
      data: ["tags": ["v1.4.2", "v1.4.1", "1.3"], "fetched": ["count": 3, "ratio": 0.25]]),
    Event(
      thread: "pin-7", seq: 3, type: "deploy_backend",
      data: ["tag": "v1.4.2", "environment": "production"]),
    Event(
      thread: "pin-7", seq: 4, type: "approval",
      data: ["approved": false, "by": "@sam", "feedback": "staging first, please"]),
    Event(
      thread: "pin-7", seq: 5, type: "deploy_backend",
      data: ["tag": "v1.4.2", "environment": "staging"]),
    Event(thread: "pin-7", seq: 6, type: "approval", data: ["approved": true, "by": "@sam"]),
    Event(
      thread: "pin-7", seq: 7, type: "error",
      data: ["intent": "deploy_backend", "message": "timeout after 30 s", "code": 504]),
    Event(
      thread: "pin-7", seq: 8, type: "human_response",
      data: ["from": "@kim", "text": "true"]),
  ]

  /// For each `provider/output mode/context format/template`: SHA-256 of the cassette keys
  /// and the rendered contexts of the requests after 0, 1, 3, 5 and all events of
  /// ``thread`` (one line each, `key context-digest`), recorded before the request builder
  /// was optimised.
  static let pinned: [String: String] = [
    "anthropic/json/chat-messages/concise":
      "1eac0e983269a55e602f668030a5675077df0eb735a21bc472a5f6d49d6c961f",
    "anthropic/json/chat-messages/default":
      "c06a09161d9646a880c7ef462f6b39eb17657f2ef5cd7f63a9b202edd8659b18",
    "anthropic/json/json-events/concise":
      "cd0ce68f03bfc5b5d2945a6342c58d6c67ab910bd2310aa2e3582ec475b79532",
    "anthropic/json/json-events/default":
      "ffa6b2e5722a1e51a475ad70fa94c46ecfdc4cdc3d9109f17ca7bd408b93a3f9",
    "anthropic/json/xml-tags/concise":
      "8a41d88daf155d1298923ee604538835ec634b5bd1606cbb7215c5baffaf3b4a",
    "anthropic/json/xml-tags/default":
      "98fbf3f1f7fc896d69dc9977c581218941d4ef10e7683b5017738f8cf510c068",
    "anthropic/next-step/chat-messages/concise":
      "65bd52cbef950c6356c34853c990039f0e1900be0429eb374e7f636320b3363e",
    "anthropic/next-step/chat-messages/default":
      "d50ac3febfcd8f0f825ba6c58c1fec502092d2b47be2d4a69c1dca56ad6d9735",
    "anthropic/next-step/json-events/concise":
      "f0201b697f532bbd3f509a61fd3df1329369671e214f39595dd8d9fe8017589d",
    "anthropic/next-step/json-events/default":
      "4be98db82062db9fab802be847b42883c42d6b622fc1d07e1b14c20efb85628f",
    "anthropic/next-step/xml-tags/concise":
      "d5d2e852c4cc2ba221858b89a38f4bb0f13dccfc8cd07b8e8c2c57c0241e1c65",
    "anthropic/next-step/xml-tags/default":
      "1b7e3cca5f7b90a33186f56746532c602c05a38796980b41cabba351313d9a41",
    "anthropic/tools/chat-messages/concise":
      "4496a4dd57243d033f2e7e28b89c482d2991e9155b00d870d0fc71b62905ca3d",
    "anthropic/tools/chat-messages/default":
      "ef528cf15b8315c24ec1535e9c4694eb87e0068340c757fdb427b9901f0810b1",
    "anthropic/tools/json-events/concise":
      "b9da4def53e8ca0da5e083bc37b5470c77c3128ce5139a8ebe3bb2d7ae2c18f0",
    "anthropic/tools/json-events/default":
      "4d2a5fc0704f2e8e379721100f62f47f45520df3be6177d8a44ce88547db5a74",
    "anthropic/tools/xml-tags/concise":
      "52c84ef499e5a2e360f50dd9ffc2fdabafad1f2989604638f7b6576d692d16f6",
    "anthropic/tools/xml-tags/default":
      "ae1adab25ce87d47b093f8629d4fc26b81bfa3aa5d6486240b212e26dc4cdaf2",
    "openai/json/chat-messages/concise":
      "5bb134cc1abd4cd2c4d7b81fc1f236b9254a2f205765864e2fc6135c4e48bd48",
    "openai/json/chat-messages/default":
      "60e6c0c9cac89f523d2ae0e0cb5bb2df818e06f1fd25eada6a01da4b9312eb17",
    "openai/json/json-events/concise":
      "84a5b8c8e1965dfae4ef309a22f179a1721215a18c4dee9a704ff276758356ad",
    "openai/json/json-events/default":
      "2ced9d4e4b9827dc0abba55cd18366c34ac07ad68363dcd6dedd765d498726e3",
    "openai/json/xml-tags/concise":
      "7cc8453273d50c1aece4cd6790c196e28a7b338cd153b9fd4665e39846bbd56b",
    "openai/json/xml-tags/default":
      "5d845c3760ca081b213854dbf0f43eee99e48191f5a2da2e5dda453168a0bf14",
    "openai/next-step/chat-messages/concise":
      "ca92e12f6ab25ebac8630b02ebb1e570415004d268a68bafe1bb71e87ae31a8a",
    "openai/next-step/chat-messages/default":
      "033e4c09bbf049daf1648a2e83323b9c8599bc687a7deb2852941c8a8ed80197",
    "openai/next-step/json-events/concise":
      "16f467f9b59d89f9ae8404a860fa2e78d87e24c2b2f8a9ecbceb1cba643b2079",
    "openai/next-step/json-events/default":
      "70042dfa7df8a072d0ba02bc51642169893d5874087c82e2ee3f199e082979f0",
    "openai/next-step/xml-tags/concise":
      "a9d95bf01158f2acbb573fbd5971f77ee976e364d24311290c48807080bc7913",
    "openai/next-step/xml-tags/default":
      "301054f28a9fa24ca98c024b71bc970b5ad0a16052eafd78c2d526484df1b072",
    "openai/tools/chat-messages/concise":
      "5e85e5de97c7bc2e27214d187eade5580c0a05cfb0d571240c419b14ff3a21f8",
    "openai/tools/chat-messages/default":
      "fa678eb366acca9d7deb246b31bdd8eda1d15218e52bb0688df64f8618672ce7",
    "openai/tools/json-events/concise":
      "1a229b0b8c0ce43a4e364eb7b0ca7a4cf697a409f4d534ebd59fb203bf1248f0",
    "openai/tools/json-events/default":
      "8ac3fb3730a7f9c5f754d3dd20dbba34a7a52a543f4af228f420803dc12307cc",
    "openai/tools/xml-tags/concise":
      "c74f5236e6187bbd272f6bbda4826086830e9b39ff95ab6b1a595a29b2387c09",
    "openai/tools/xml-tags/default":
      "2a64f194253ca3b19ff65cb86ae7f4b2d268c878d06f64f2cd5d480d3b4f9d3d",
  ]

  static func sha256(_ text: String) -> String {
    SHA256.hash(data: Array(text.utf8)).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }

  static let configurations: [String] = {
    var names: [String] = []
    for provider in ["openai", "anthropic"] {
      for mode in OutputMode.allCases {
        for format in ContextFormatKind.allCases {
          for template in ["default", "concise"] {
            names.append("\(provider)/\(mode.rawValue)/\(format.rawValue)/\(template)")
          }
        }
      }
    }
    return names
  }()

  @Test func aSmallBodyHasTheKeyComputedElsewhere() {
    let body: JSONValue = [
      "model": "m", "messages": [["role": "user", "content": "hi"]], "stream": true,
    ]
    // sha256 of {"messages":[{"content":"hi","role":"user"}],"model":"m"} (Python hashlib).
    #expect(
      CassetteKey.key(for: body)
        == "6d139f1403cd84518768857efed6c375c0e3fe1af3f250cd3a5c59ea87a0323c")
  }

  /// The deploy-bot spec as it was when the keys were pinned (before `canary_percent`), so
  /// that the pins guard the request bytes whatever the demo spec gains later.
  static func pinnedSpec() throws -> AgentSpec {
    var spec = try Support.deploybot()
    let index = try #require(spec.intents.firstIndex { $0.name == "deploy_backend" })
    var schema = try #require(spec.intents[index].parameters.objectValue)
    var properties = try #require(schema["properties"]?.objectValue)
    properties["canary_percent"] = nil
    schema["properties"] = .object(properties)
    spec.intents[index].parameters = .object(schema)
    return spec
  }

  /// The pinned spec in `configuration` (`provider/output mode/context format/prompt`).
  static func spec(_ configuration: String) throws -> AgentSpec {
    let parts = configuration.split(separator: "/").map(String.init)
    var spec = try Self.pinnedSpec()
    spec.model.provider = try #require(ModelSettings.Provider(rawValue: parts[0]))
    spec.outputMode = try #require(OutputMode(rawValue: parts[1]))
    spec.contextFormat = try #require(ContextFormatKind(rawValue: parts[2]))
    if parts[3] == "concise" {
      spec.promptTemplate = try String(
        contentsOfFile: Support.packageRoot + "/evals/deploybot/prompts/concise.mustache",
        encoding: .utf8)
    }
    return spec
  }

  @Test(arguments: configurations)
  func keysAndContextsStayTheSame(_ configuration: String) throws {
    let spec = try Self.spec(configuration)
    let builder = try RequestBuilder(spec: spec)
    // The fast path is taken wherever it applies, so the pins cover it.
    #expect(builder.splicesKeys == (spec.contextFormat != .chatMessages))
    var lines: [String] = []
    for end in [0, 1, 3, 5, Self.thread.count] {
      let request = try builder.request(thread: "pin-7", events: Array(Self.thread[..<end]))
      #expect(request.key == CassetteKey.key(for: request.body), "\(configuration) after \(end)")
      lines.append(request.key + " " + Self.sha256(request.renderedContext))
    }
    let digest = Self.sha256(lines.joined(separator: "\n"))
    #expect(Self.pinned[configuration] == digest, "\(configuration)")
  }

  /// A request built on the fast path keeps its canonical body's bytes as pieces, which a
  /// cassette compares a recorded request with instead of hashing it: they match the
  /// canonical bytes exactly, and nothing else.
  @Test(arguments: configurations)
  func aSplicedRequestMatchesItsCanonicalBytesOnly(_ configuration: String) throws {
    let builder = try RequestBuilder(spec: try Self.spec(configuration))
    for end in [0, 3, Self.thread.count] {
      let request = try builder.request(thread: "pin-7", events: Array(Self.thread[..<end]))
      let bytes = Array(CassetteKey.canonicalString(request.body).utf8)
      let matches = bytes.withUnsafeBufferPointer { request.canonicalBody.matches($0) }
      #expect(matches == builder.splicesKeys, "\(configuration) after \(end)")
      for index in [0, bytes.count / 2, bytes.count - 1] {
        var changed = bytes
        changed[index] ^= 0x01
        #expect(!changed.withUnsafeBufferPointer { request.canonicalBody.matches($0) })
      }
      #expect(!bytes.dropLast().withUnsafeBufferPointer { request.canonicalBody.matches($0) })
      // At the start of a longer line, the body's length; not when a byte differs.
      let line = bytes + Array(#","response":{}}"#.utf8)
      #expect(
        line.withUnsafeBufferPointer { request.canonicalBody.prefixLength(of: $0) }
          == (builder.splicesKeys ? bytes.count : nil))
      var changedLine = line
      changedLine[bytes.count / 3] ^= 0x01
      #expect(
        changedLine.withUnsafeBufferPointer { request.canonicalBody.prefixLength(of: $0) } == nil)
      #expect(!(bytes + [0x20]).withUnsafeBufferPointer { request.canonicalBody.matches($0) })
    }
  }
}
