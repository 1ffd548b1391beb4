/// The exit statuses of the `refold` command.
///
/// A script tells apart a failed gate (1), a mistake in what it was given (2), a model
/// source that could not answer (3), and a machine that could not do the work (4: the store
/// is busy or unwritable, the disk is full, the report cannot be written), which is worth a
/// retry elsewhere rather than a fix to the suite.
public enum ExitStatus: Int32, Sendable, Hashable, CaseIterable {
  /// Everything ran and every gate passed.
  case success = 0
  /// The evaluation fell below a threshold or regressed significantly.
  case belowThreshold = 1
  /// Bad usage or invalid input: a suite, an agent spec, an event file, a store's content.
  case invalidInput = 2
  /// The model source failed: unreachable, an HTTP error, a cassette miss.
  case sourceFailed = 3
  /// The environment failed: the store is busy or locked, a path cannot be written, the
  /// disk is full, an I/O error.
  case environment = 4
}
