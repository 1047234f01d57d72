import BertSlimSDK
import CMPIShim

/// Open MPI as a ``Communicator``: the ranks of `mpirun` (MPI_COMM_WORLD).
///
/// Every operation is one of Open MPI's non-blocking collectives, polled until it completes.
/// While it waits it checks every 10 ms whether a rank on this host has died (by process id)
/// and gives up after `timeout_seconds`, so a run whose rank was killed stops with an error
/// naming that rank instead of hanging.
final class MPICommunicator: Communicator {
    struct Settings: ComponentSettings {
        var timeoutSeconds = 600.0
        static var keys: [SettingKey<Settings>] { [
            SettingKey("timeout_seconds", \.timeoutSeconds,
                       "seconds a rank waits for the others at a collective operation before the run stops with an error (> 0)",
                       valid: { $0 > 0 ? nil : "\($0) must be above 0" }),
        ] }
    }

    let rank: Int
    let size: Int
    private let timeout: Double

    init(settings: Settings, context: ComponentContext) throws {
        timeout = settings.timeoutSeconds
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check("MPI") { bs_mpi_init(&rank, &size, $0, $1) }
        self.rank = Int(rank)
        self.size = Int(size)
    }

    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws {
        guard size > 1, let base = buffer.baseAddress else { return }
        try Self.check("allreduce") { bs_mpi_allreduce(base, Int64(buffer.count), operation == .mean ? 1 : 0, timeout, $0, $1) }
    }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard size > 1, let base = buffer.baseAddress else { return }
        try Self.check("broadcast") { bs_mpi_broadcast(base, Int64(buffer.count), Int32(root), timeout, $0, $1) }
    }

    func allGather(_ value: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [value] }
        var lengths = [Int64](repeating: 0, count: size)
        try Self.check("gather") { bs_mpi_allgather_lengths(Int64(value.count), &lengths, timeout, $0, $1) }
        var out = [UInt8](repeating: 0, count: Int(lengths.reduce(0, +)))
        try Self.check("gather") { error, capacity in
            value.withUnsafeBytes { v in out.withUnsafeMutableBytes { bs_mpi_allgather(v.baseAddress, lengths, $0.baseAddress, timeout, error, capacity) } }
        }
        var start = 0
        return lengths.map { length in
            defer { start += Int(length) }
            return Array(out[start..<start + Int(length)])
        }
    }

    func barrier() throws {
        guard size > 1 else { return }
        try Self.check("barrier") { bs_mpi_barrier(timeout, $0, $1) }
    }

    /// Runs a shim call with an error buffer; throws its message when it fails.
    private static func check(_ operation: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var error = [CChar](repeating: 0, count: 512)
        let status = error.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        guard status == 0 else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CommunicatorError(operation: operation, reason: message.isEmpty ? "failed" : message)
        }
    }
}
