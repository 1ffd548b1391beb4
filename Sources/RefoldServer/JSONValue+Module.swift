import RefoldCore

/// FlyingFox has a `JSONValue` of its own; in this module the name means Refold's.
typealias JSONValue = RefoldCore.JSONValue
