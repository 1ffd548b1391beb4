import Foundation
import RefoldCore
import RefoldTestSupport

@testable import RefoldModels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Paths and specs shared by the model tests.
enum Support {
  /// The package root.
  static var packageRoot: String { Repository.root }

  static var deploybotPath: String { packageRoot + "/evals/deploybot/agent.yaml" }

  /// The deploy-bot spec from the repository, with a fixed environment.
  static func deploybot(environment: [String: String] = [:]) throws -> AgentSpec {
    try AgentSpecLoader(environment: environment).load(path: deploybotPath)
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "refold-models-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// The start of a deploy-bot thread, up to a decision point after the tag list.
  static let deployThread: [Event] = [
    Event(
      thread: "deploy-001", seq: 0, type: "slack_message",
      data: ["from": "@alex", "channel": "#deploys", "text": "ship latest backend to prod"]),
    Event(thread: "deploy-001", seq: 1, type: "list_git_tags"),
    Event(
      thread: "deploy-001", seq: 2, type: "list_git_tags_result",
      data: ["tags": ["v1.4.2", "v1.4.1", "v1.3.0"]]),
  ]
}

/// A TCP port on 127.0.0.1 that is bound but not listening: connections to it are refused,
/// and no other process can take the port while this value lives.
final class RefusingPort: Sendable {
  let port: UInt16
  private let descriptor: Int32

  init() throws {
    #if canImport(Glibc)
      let socketType = Int32(SOCK_STREAM.rawValue)
    #else
      let socketType = SOCK_STREAM
    #endif
    let descriptor = socket(AF_INET, socketType, 0)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(descriptor, socketAddress, length) == 0
          && getsockname(descriptor, socketAddress, &length) == 0
      }
    }
    guard bound else {
      let code = POSIXErrorCode(rawValue: errno) ?? .EIO
      close(descriptor)
      throw POSIXError(code)
    }
    self.descriptor = descriptor
    port = UInt16(bigEndian: address.sin_port)
  }

  deinit { close(descriptor) }
}
