/// A command's refusal or failure, printed as one line (`Error: …`) with a non-zero exit.
/// (A `ValidationError` thrown from `run()` would also print the usage lines.)
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
