extension YAMLNode {
  /// This document with `patch` laid over it, the way a suite's variant changes an agent
  /// spec: mappings merge key by key (recursively), a null removes a key, anything else
  /// replaces what was there.
  ///
  /// Replaced and added nodes keep their own location, so a mistake in a patch is reported
  /// in the file and at the path it was written (`suite.yaml:6: variants.concise.…`).
  public func merging(_ patch: YAMLNode) -> YAMLNode {
    guard case .mapping(let base) = content, case .mapping(let changes) = patch.content else {
      return patch
    }
    var entries = base
    for change in changes {
      let index = entries.firstIndex { $0.key == change.key }
      if change.value.isNull {
        if let index { entries.remove(at: index) }
      } else if let index {
        entries[index].value = entries[index].value.merging(change.value)
      } else {
        entries.append(change)
      }
    }
    return YAMLNode(.mapping(entries), location: location)
  }
}
