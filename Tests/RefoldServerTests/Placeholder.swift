// Replaced by this module's tests.
import Testing
