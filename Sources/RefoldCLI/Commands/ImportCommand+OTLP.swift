import RefoldCore
import RefoldServer
import RefoldStore

extension ImportCommand {
  /// `refold import --otel FILE...`: conversations in OTLP JSON traces and logs become
  /// threads, model calls exchanges in the store's cassette.
  func importOTLP() throws {
    let output = CLIContext.current.stdout
    let importer = OTLPImporter()
    // Every file is read and checked, and log records joined to their spans across files,
    // before the store is opened; then everything is stored in one transaction.
    let parsed = try importer.parse(files: files)
    let summary = try importer.store(
      parsed, into: try store.openStores(creating: true).recordingStore())
    let named = files.count == 1 ? files[0] : "\(files.count) files"
    output.line(
      "imported \(named) into \(store.databaseName): \(summary.modelCalls) model calls, "
        + "\(summary.threads) threads, \(summary.written) events written, "
        + "\(summary.skipped) skipped (already stored), \(summary.exchanges) exchanges")
    if summary.withoutContent > 0 {
      output.line(
        "\(summary.withoutContent) model calls recorded no messages: enable content capture "
          + "(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT), and import the log records "
          + "together with their traces")
    }
  }
}
