import BertSlimSDK
import Foundation

/// How a run is spread over processes (`bertslim run --distributed`).
public enum DistributedMode: String, CaseIterable, Sendable {
    /// `mpi` when the process was started by `mpirun` (Open MPI's `OMPI_COMM_WORLD_SIZE`, or
    /// PMI's `PMI_SIZE` / `PMIX_RANK` in the environment), else `none`.
    case auto
    /// One process.
    case none
    /// The `mpi` communicator (the MPICommunicator plugin, Open MPI).
    case mpi

    /// `auto` resolved against `environment`.
    public func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) -> DistributedMode {
        guard self == .auto else { return self }
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"].contains { environment[$0] != nil } ? .mpi : .none
    }
}

extension PluginHost {
    /// Makes the communicator of `mode` and installs it as ``Distributed/world`` (before any
    /// training starts).
    /// - Parameter timeoutSeconds: how long a rank waits for the others at a collective
    ///   operation (nil: the communicator's default).
    /// - Returns: the communicator installed.
    /// - Throws: ``PluginError`` when no loaded plugin provides `mpi` (BertSlim was built
    ///   without Open MPI's headers), the communicator's own error (MPI failed to start), or
    ///   ``CommunicatorError`` when the ranks do not run the same executable, SDK library and
    ///   plugins (compared by content at start-up; the communicator stays installed).
    @discardableResult
    public func installCommunicator(_ mode: DistributedMode, timeoutSeconds: Double? = nil) throws -> any Communicator {
        let communicator: any Communicator
        switch mode.resolved() {
        case .auto, .none:
            communicator = SingleProcess()
        case .mpi:
            guard components(of: .communicator).contains(where: { $0.name == "mpi" }) else {
                throw PluginError.componentFailed(kind: .communicator, name: "mpi", reason:
                    "no loaded plugin provides it: BertSlim was built without Open MPI (install libopenmpi-dev, "
                    + "e.g. with `make deps`, and rebuild), or libMPICommunicator.so is not on the plugin path")
            }
            let settings: [String: Any] = timeoutSeconds.map { ["timeout_seconds": $0] } ?? [:]
            communicator = try make("mpi", as: (any Communicator).self, config: .settings(settings))
        }
        Distributed.world = communicator
        try checkSameBuild(on: communicator)
        return communicator
    }
}
