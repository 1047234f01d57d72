import Foundation

/// The machine a run ran on: its name and its CPU as `/proc/cpuinfo` gives them (the kernels
/// chosen come from ``KernelChoice``).
struct HostInfo {
    var name: String
    var cpuModel: String?
    /// The CPU's feature flags, space-separated (`fpu vme … avx512f … amx_tile`).
    var cpuFlags: String?

    /// This machine.
    static let current: HostInfo = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "unknown"
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ key: String) -> String? {
            for line in cpuinfo.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        return HostInfo(name: name, cpuModel: field("model name"), cpuFlags: field("flags"))
    }()
}
