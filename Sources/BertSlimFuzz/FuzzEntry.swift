import Foundation

/// libFuzzer's entry point: the target named by `BERTSLIM_FUZZ_TARGET`, in a workspace under
/// `BERTSLIM_FUZZ_WORKSPACE` made from the checkout at `BERTSLIM_FUZZ_REPOSITORY` (default: the
/// current folder). `make fuzz` links this library into libFuzzer's driver (`scripts/fuzz.py`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzProcess.shared.target.run(bytes, in: FuzzProcess.shared.workspace)
    return 0
}

/// The target and workspace of this fuzzing process, made at the first input.
final class FuzzProcess: @unchecked Sendable {
    static let shared = FuzzProcess()
    let target: FuzzTarget
    let workspace: FuzzWorkspace

    private init() {
        let environment = ProcessInfo.processInfo.environment
        guard let name = environment["BERTSLIM_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
            fatalError("set BERTSLIM_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.target = target
        let root = environment["BERTSLIM_FUZZ_WORKSPACE"] ?? NSTemporaryDirectory() + "bertslim-fuzz-\(getpid())"
        let repository = environment["BERTSLIM_FUZZ_REPOSITORY"] ?? FileManager.default.currentDirectoryPath
        do { workspace = try FuzzWorkspace(root: root, repository: repository) } catch {
            fatalError("fuzz workspace: \(error)")
        }
    }
}
