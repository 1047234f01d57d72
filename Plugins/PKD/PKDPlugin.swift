import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.pkd", name: "Patient knowledge distillation (BERT-PKD)", version: "1.0.0", license: "Apache-2.0",
    components: [
        .loss(PKDLoss.self, name: FirstPartyComponents.PKD.loss,
              summary: "(1−α)·CE + α·T²·KL + β·Σᵢ‖h̃ₛ,ᵢ − h̃ₜ,I(i)‖² on normalised [CLS] states, skip or last layers (Sun et al. 2019)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
