import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.hinton-kd", name: "Hinton knowledge distillation", version: "1.0.0", license: "Apache-2.0",
    components: [
        .loss(HintonKDLoss.self, name: FirstPartyComponents.HintonKD.loss,
              summary: "α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y), T and α numbers or schedules (Hinton et al. 2015)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
