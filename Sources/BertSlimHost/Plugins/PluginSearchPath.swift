import Foundation

/// Where plugins are looked for, first wins (DESIGN.md §2): `--plugin-path`, then
/// `BERTSLIM_PLUGIN_PATH` (a colon list), then the folder of the executable, then
/// `~/.local/lib/bertslim/plugins`.
public enum PluginSearchPath {
    /// The environment variable holding extra plugin folders.
    public static let environmentVariable = "BERTSLIM_PLUGIN_PATH"

    /// The folders to search, in order, without duplicates.
    /// - Parameters:
    ///   - explicit: `--plugin-path` values (each may itself be a colon list).
    ///   - environment: the process environment (`BERTSLIM_PLUGIN_PATH`, `HOME`).
    ///   - includeDefaults: whether to add the executable's folder and the user folder.
    ///   - executableDirectory: the folder of the running executable.
    public static func directories(explicit: [String], environment: [String: String], includeDefaults: Bool,
                                   executableDirectory: String? = PluginSearchPath.executableDirectory) -> [String] {
        var folders = explicit.flatMap(split)
        folders += split(environment[environmentVariable] ?? "")
        if includeDefaults {
            if let executableDirectory { folders.append(executableDirectory) }
            if let home = environment["HOME"], !home.isEmpty { folders.append(home + "/.local/lib/bertslim/plugins") }
        }
        var seen = Set<String>()
        return folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.filter { seen.insert($0).inserted }
    }

    /// The folder of the running executable (resolved through `/proc/self/exe`).
    public static var executableDirectory: String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return (path as NSString).deletingLastPathComponent
    }

    private static func split(_ list: String) -> [String] {
        list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }
}
