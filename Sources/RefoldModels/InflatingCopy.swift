import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A gzip file decompressed into another file on a thread of its own, so that what is
/// already written can be read while the rest is being decompressed.
///
/// Opening a `.jsonl.gz` cassette scans its lines while they are inflated: the scan and
/// the decompression each have a core.
final class InflatingCopy: Sendable {
  private struct Progress {
    var written: Int64 = 0
    var ended = false
    var failure: String?
    var stopping = false
    var joined = false
  }

  private let progress = Mutex(Progress())
  /// Signalled after each write and when the copy ends.
  private let wrote = DispatchSemaphore(value: 0)
  /// Signalled once, when the thread is done with both descriptors.
  private let finished = DispatchSemaphore(value: 0)

  /// Starts decompressing the gzip file open at `source` into `target`; the copy closes
  /// `source` when it ends, and leaves `target` to the caller.
  init(source: Int32, target: Int32) {
    let thread = Thread { [self] in
      var failure: String?
      do throws(GzipFile.Failure) {
        _ = try GzipFile.inflate(from: source, to: target) { written in
          let stopping = progress.withLock { progress in
            progress.written = written
            return progress.stopping
          }
          wrote.signal()
          return !stopping
        }
      } catch {
        failure = error.reason
      }
      close(source)
      progress.withLock { progress in
        progress.ended = true
        progress.failure = failure
      }
      wrote.signal()
      finished.signal()
    }
    thread.name = "refold-inflate"
    thread.start()
  }

  /// How many bytes from `offset` on are in the target, waiting until there are some or
  /// the copy has ended: 0 means the copy ended at or before `offset`.
  func readable(from offset: Int64) -> Int64 {
    while true {
      let (written, ended) = progress.withLock { ($0.written, $0.ended) }
      if written > offset { return written - offset }
      if ended { return 0 }
      wrote.wait()
    }
  }

  /// Why the copy stopped short (the gzip file's problem), once it has ended; nil when it
  /// is whole.
  var failure: String? { progress.withLock { $0.ended ? $0.failure : nil } }

  /// Stops the copy and waits until its thread no longer uses either descriptor.
  ///
  /// Returns at once when the copy has already been stopped; safe to call more than once.
  func stop() {
    let waits = progress.withLock { progress -> Bool in
      progress.stopping = true
      defer { progress.joined = true }
      return !progress.joined
    }
    if waits { finished.wait() }
  }
}
