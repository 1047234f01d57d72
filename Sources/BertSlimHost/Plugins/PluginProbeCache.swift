import Foundation

/// Verdicts of earlier probes, so that ``ProbePolicy/unknown`` probes a plugin file once, not
/// on every command.
///
/// A verdict is kept for a file (its real path) while its size and modification time stay
/// the same and the host runs the same SDK library; any change (a rebuild, a copy over it, a
/// new SDK) probes it again. The cache is one JSON file, replaced atomically, so two
/// commands writing it at once lose at most one another's new entry.
public struct PluginProbeCache {
    /// The cache file.
    public let file: String

    /// One file's verdict and what it was given for.
    struct Entry: Codable {
        var file: String
        var size: Int64
        var modified: Int64
        var host: String
        var report: ProbeReport
    }

    /// A cache kept in `file`.
    public init(file: String) { self.file = file }

    /// `$XDG_CACHE_HOME/bertslim/plugin-probes.json`, else `~/.cache/bertslim/plugin-probes.json`;
    /// nil when the environment names neither folder.
    public static func defaultFile(environment: [String: String]) -> String? {
        if let folder = environment["XDG_CACHE_HOME"], folder.hasPrefix("/") { return folder + "/bertslim/plugin-probes.json" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/bertslim/plugin-probes.json" }
        return nil
    }

    /// The kept verdict for `path`, when the file and the host are as they were then.
    public func verdict(for path: String) -> ProbeReport? {
        guard let key = Self.key(path) else { return nil }
        return entries().first { $0.file == key.file && $0.size == key.size && $0.modified == key.modified && $0.host == key.host }?
            .report
    }

    /// Keeps `report` as the verdict for `path` (replacing an older one), and drops entries
    /// of files that are gone or changed. Failing to write the cache is not an error: the
    /// file is probed again next time.
    public func record(_ report: ProbeReport, for path: String) {
        guard let key = Self.key(path) else { return }
        var kept = entries().filter { entry in
            guard entry.file != key.file, let now = Self.key(entry.file) else { return false }
            return now.size == entry.size && now.modified == entry.modified
        }
        kept.append(Entry(file: key.file, size: key.size, modified: key.modified, host: key.host, report: report))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(kept) else { return }
        let folder = (file as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(file).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        if rename(temporary, file) != 0 { unlink(temporary) }
    }

    private func entries() -> [Entry] {
        guard let bytes = try? RegularFile.contents(of: file, limit: 64 << 20) else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: Data(bytes))) ?? []
    }

    /// What a verdict is keyed on: the real path, size and modification time (ns) of the
    /// file, and the SDK library this host runs (a plugin that loaded with one may not load
    /// with another).
    private static func key(_ path: String) -> (file: String, size: Int64, modified: Int64, host: String)? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        let file = String(cString: real)
        guard let (size, modified) = stamp(file) else { return nil }
        return (file, size, modified, hostStamp)
    }

    private static func stamp(_ path: String) -> (Int64, Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// The SDK library of this process, with its size and modification time.
    static let hostStamp: String = {
        guard let sdk = DynamicLoader.imagePath(containing: SDKImage.handle), let (size, modified) = stamp(sdk) else {
            return "sdk \(PluginHost.sdkVersion)"
        }
        return "\(sdk) \(size) \(modified) sdk \(PluginHost.sdkVersion)"
    }()
}
