import FlyingFox
import FlyingSocks
import Foundation

/// A FlyingFox server running in a task, with the port it actually got.
///
/// ```swift
/// let running = try await RunningServer.start(server)
/// print(running.baseURL)  // http://127.0.0.1:53122
/// await running.stop()
/// ```
public final class RunningServer: Sendable {
  public let server: HTTPServer
  public let address: ListenAddress
  private let task: Task<Void, any Error>

  private init(server: HTTPServer, address: ListenAddress, task: Task<Void, any Error>) {
    self.server = server
    self.address = address
    self.task = task
  }

  /// Starts `server` and waits until it listens.
  ///
  /// - Throws: ``ServerError/listenFailed(address:reason:)`` when it cannot bind.
  public static func start(_ server: HTTPServer, requested: ListenAddress) async throws
    -> RunningServer
  {
    let task = Task { try await server.run() }
    do {
      try await server.waitUntilListening(timeout: 60)
    } catch {
      task.cancel()
      if let failure = try? await task.value { _ = failure }
      throw ServerError.listenFailed(address: requested.description, reason: "\(error)")
    }
    var address = requested
    switch await server.listeningAddress {
    case .ip4(let host, let port)?: address = ListenAddress(host: host, port: port)
    case .ip6(let host, let port)?: address = ListenAddress(host: host, port: port)
    default: break
    }
    return RunningServer(server: server, address: address, task: task)
  }

  /// `http://HOST:PORT`, without a trailing slash.
  public var baseURL: String { "http://\(address)" }

  /// Runs until the server stops or the calling task is cancelled, which stops the server.
  public func wait() async throws {
    let task = self.task
    try await withTaskCancellationHandler {
      try await task.value
    } onCancel: {
      task.cancel()
    }
  }

  /// Like ``wait()``, but an interruption (the calling task cancelled) is a normal end: the
  /// server stops, and nothing is half written, since every append is a transaction.
  public func waitUntilInterrupted() async throws {
    do {
      try await wait()
    } catch  where Task.isCancelled {
      return
    }
  }

  /// Stops accepting connections, lets running requests finish for up to `timeout` seconds.
  public func stop(timeout: TimeInterval = 2) async {
    await server.stop(timeout: timeout)
    task.cancel()
  }
}
