import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.lrp-heads", name: "LRP heads, concrete gates and random heads", version: "1.0.0", license: "Apache-2.0",
    components: [
        .pruner(LRPHeadsPruner.self, name: LRPHeadsPruner.name,
                summary: "removes the heads with the least layer-wise relevance for the predicted class (Voita et al. 2019)"),
        .pruner(ConcreteGatesPruner.self, name: ConcreteGatesPruner.name,
                summary: "trains hard-concrete head gates with an L0 penalty and removes the heads whose gates close (Voita et al. 2019)"),
        .pruner(RandomHeadsPruner.self, name: RandomHeadsPruner.name,
                summary: "removes heads chosen uniformly at random (seeded): the baseline of every head-pruning curve"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
