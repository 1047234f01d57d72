import BertSlimSDK
import Foundation

/// What a process runs: the executable, libBertSlimSDK.so and every loaded plugin, each by the
/// hash of its file's contents. Ranks of one run compare theirs at start-up, so that a host
/// with a different build or plugin set is refused before any training (its gradients would
/// silently mix with the others').
struct BuildFingerprint: Codable, Equatable {
    /// Hash of each part, by what it is (`bertslim`, `libBertSlimSDK.so`, a plugin's id).
    var parts: [String: String]
    /// The file of each part, for the message.
    var files: [String: String]

    init(host: PluginHost) {
        var parts: [String: String] = [:], files: [String: String] = [:]
        func add(_ name: String, _ file: String) {
            parts[name] = Self.contentHash(of: file)
            files[name] = file
        }
        add("bertslim", (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        if let sdk = Self.mappedFile(named: "libBertSlimSDK.so") { add("libBertSlimSDK.so", sdk) }
        for plugin in host.plugins { add("plugin \(plugin.manifest.id) \(plugin.manifest.version)", plugin.manifest.file) }
        self.parts = parts
        self.files = files
    }

    /// How `other` (rank `rank`'s) differs from this one (rank 0's), or nil when it does not.
    func difference(from other: BuildFingerprint, rank: Int) -> String? {
        for name in Set(parts.keys).union(other.parts.keys).sorted() {
            switch (files[name], other.files[name]) {
            case let (mine?, theirs?) where parts[name] != other.parts[name]:
                return "rank \(rank)'s \(name) (\(theirs)) is not the same file as rank 0's (\(mine))"
            case (nil, let theirs?):
                return "rank \(rank) loaded \(name) (\(theirs)), which rank 0 did not"
            case (let mine?, nil):
                return "rank \(rank) did not load \(name), which rank 0 loaded (\(mine))"
            default:
                continue
            }
        }
        return nil
    }

    /// FNV-1a over the file's 8-byte words (then its tail), as hex; "unreadable" when it cannot be read.
    static func contentHash(of file: String) -> String {
        guard let data = FileManager.default.contents(atPath: file) else { return "unreadable" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let words = bytes.count / 8
            for i in 0..<words { hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x100_0000_01b3 }
            for byte in bytes[(words * 8)...] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ UInt64(bytes.count)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// The path of a library this process has mapped whose file name is `name`.
    private static func mappedFile(named name: String) -> String? {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return nil }
        return maps.split(separator: "\n").lazy.compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init)
        }.first { $0.hasSuffix("/" + name) }
    }
}

extension PluginHost {
    /// Refuses a run whose ranks do not all run the same executable, SDK library and plugins
    /// (compared by their files' contents). Every rank gets the same answer.
    /// - Throws: ``CommunicatorError`` naming the first rank that differs and what differs.
    func checkSameBuild(on ranks: any Communicator) throws {
        guard ranks.size > 1 else { return }
        let mine = BuildFingerprint(host: self)
        let all = try ranks.allGather(Array(try JSONEncoder().encode(mine)))
        let root = try JSONDecoder().decode(BuildFingerprint.self, from: Data(all[0]))
        for rank in 1..<all.count {
            guard let other = try? JSONDecoder().decode(BuildFingerprint.self, from: Data(all[rank])) else {
                throw CommunicatorError(operation: "start", reason: "rank \(rank) sent an unreadable description of its build")
            }
            if let difference = root.difference(from: other, rank: rank) {
                throw CommunicatorError(operation: "start", reason: "\(difference): every rank must run the same bertslim "
                                        + "build and plugins (copy the same build to every host)")
            }
        }
    }
}
