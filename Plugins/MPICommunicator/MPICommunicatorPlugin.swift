import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.mpi", name: "Open MPI communicator", version: "1.0.0", license: "Apache-2.0",
    components: [
        .communicator(MPICommunicator.self, name: "mpi",
                      summary: "the ranks of mpirun (Open MPI): data-parallel training and sharded evaluation across processes"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
