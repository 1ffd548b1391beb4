import Synchronization

/// The requests a provider server received, shared with its route handlers.
final class ReceivedRequests: Sendable {
  let entries = Mutex<[ProviderRequest]>([])
}
