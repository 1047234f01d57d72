import BertSlimSDK

/// Checks across plugin files that no single probe can see.
public enum PluginVerification {
    /// Same-id and same-component conflicts among plugins that passed their probes, in
    /// order (the first file wins, as when loading).
    public static func conflicts(among reports: [ProbeReport]) -> [PluginError] {
        var ids: [String: String] = [:]
        var components: [String: String] = [:]
        var found: [PluginError] = []
        for report in reports where report.passed {
            guard let manifest = report.manifest else { continue }
            if let earlier = ids[manifest.id] {
                found.append(.shadowed(file: manifest.file, id: manifest.id, by: earlier))
                continue
            }
            if let clash = manifest.components.first(where: { components[$0.qualifiedName] != nil }) {
                found.append(.duplicateComponent(kind: clash.kind, name: clash.name, file: manifest.file,
                                                 otherFile: components[clash.qualifiedName] ?? ""))
                continue
            }
            ids[manifest.id] = manifest.file
            for component in manifest.components { components[component.qualifiedName] = manifest.file }
        }
        return found
    }
}
