/// The processes one run is spread over (SDK 1.6): data-parallel training all-reduces its
/// gradients through it, evaluation gathers its predictions through it, and only rank 0 writes.
///
/// ``SingleProcess`` is the default: one rank, every operation returns at once. The `mpi`
/// communicator (the MPICommunicator plugin, Open MPI) is what the host uses when a run starts
/// under `mpirun`. As with MPI's collectives, every rank must call the same operations in the
/// same order with buffers of the same size; an operation that a rank never joins ends in an
/// error within the communicator's timeout, not a hang.
///
/// ``Distributed/world`` is the process's communicator; ``Trainer`` and
/// ``evaluateClassifier(_:on:batchSize:)`` read it.
public protocol Communicator: Component, AnyObject {
    /// This process's number, 0..<size; rank 0 writes the run's files.
    var rank: Int { get }
    /// How many processes take part.
    var size: Int { get }
    /// Replaces every value of `buffer` with its sum (or mean) over all ranks.
    /// - Throws: ``CommunicatorError`` when a rank does not take part in time or has died.
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) throws
    /// Copies rank `root`'s `buffer` into every rank's (the same byte count on every rank).
    /// - Throws: ``CommunicatorError``.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Every rank's `value` (a few bytes, of any length), in rank order, on every rank.
    /// - Throws: ``CommunicatorError``.
    func allGather(_ value: [UInt8]) throws -> [[UInt8]]
    /// Returns when every rank has called it.
    /// - Throws: ``CommunicatorError``.
    func barrier() throws
}

/// How ``Communicator/allReduce(_:_:)`` combines the ranks' values.
public enum ReduceOperation: Sendable {
    case sum, mean
}

/// A collective operation that could not finish.
public struct CommunicatorError: Error, CustomStringConvertible {
    /// The operation (`allreduce`, `broadcast`, ...).
    public var operation: String
    /// What went wrong, naming the rank when it is known.
    public var reason: String

    public init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation): \(reason)" }
}

/// One process: rank 0 of 1.
public final class SingleProcess: Communicator {
    public init() {}
    public init(settings: NoSettings, context: ComponentContext) {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {}
    public func allGather(_ value: [UInt8]) -> [[UInt8]] { [value] }
    public func barrier() {}
}

/// The process's communicator.
public enum Distributed {
    /// ``SingleProcess`` unless the host installed another (before any training starts).
    nonisolated(unsafe) public static var world: any Communicator = SingleProcess()
}

extension Communicator {
    /// Whether this process writes the run's files (rank 0).
    public var isRoot: Bool { rank == 0 }

    /// ``allReduce(_:_:)`` on an array.
    public func allReduce(_ values: inout [Float], _ operation: ReduceOperation) throws {
        guard size > 1, !values.isEmpty else { return }
        try values.withUnsafeMutableBufferPointer { try allReduce($0, operation) }
    }

    /// Rank `root`'s bytes on every rank (others pass anything; the length travels first).
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        guard size > 1 else { return bytes }
        var count = UInt64(bytes.count)
        try withUnsafeMutableBytes(of: &count) { try broadcast($0, root: root) }
        var received = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        try received.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return received
    }

    /// Rank `root`'s value of `parameter` copied into every rank's (the same shape everywhere).
    public func broadcast(_ parameter: Parameter, root: Int = 0) throws {
        guard size > 1 else { return }
        var values = parameter.value.scalars
        try values.withUnsafeMutableBytes { try broadcast($0, root: root) }
        if rank != root { parameter.value = Tensor(shape: parameter.shape, scalars: values) }
    }
}
