import CLtdl
import Foundation

/// libltdl behind one lock (it keeps global error state), plus the plain-`dlopen` diagnosis
/// that libltdl lacks: it reports "file not found" for a non-ELF file and for a missing
/// dependency alike.
enum DynamicLoader {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var initialized = false

    /// Runs `body` holding the libltdl lock, after `lt_dlinit` (once per process).
    private static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        if !initialized { initialized = lt_dlinit() == 0 }
        return try body()
    }

    /// Plugin files in `directory`, in name order: what `lt_dlforeachfile` lists (names
    /// without extension, also READMEs and folders), kept when `<name>.so` is a file.
    static func candidates(in directory: String) -> [String] {
        final class Collected { var names: [String] = [] }
        let collected = Collected()
        _ = locked {
            lt_dlforeachfile(directory, { name, data in
                if let name, let data {
                    Unmanaged<Collected>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                }
                return 0
            }, Unmanaged.passUnretained(collected).toOpaque())
        }
        return collected.names.map { $0 + ".so" }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && (path as NSString).lastPathComponent != PluginABI.sdkLibraryName
        }
    }

    /// Opens `file` resident and with local symbols. Handles are never closed: the Swift
    /// runtime keeps pointers into loaded images (DESIGN.md §2).
    /// - Throws: ``PluginError`` with the dynamic loader's real reason.
    static func open(_ file: String) throws -> lt_dlhandle {
        let opened: lt_dlhandle? = locked {
            var advise: lt_dladvise? = nil
            guard lt_dladvise_init(&advise) == 0 else { return nil }
            defer { lt_dladvise_destroy(&advise) }
            lt_dladvise_resident(&advise)
            lt_dladvise_local(&advise)
            return lt_dlopenadvise(file, advise)
        }
        if let opened { return opened }
        throw diagnose(file)
    }

    /// The address of `symbol` in `handle` (searching the library, then its dependencies).
    static func symbol(_ name: String, in handle: lt_dlhandle) -> UnsafeMutableRawPointer? {
        locked { lt_dlsym(handle, name) }
    }

    /// The address `symbol` resolves to in the process's global scope (the host's own).
    static func globalSymbol(_ name: String) -> UnsafeMutableRawPointer? {
        locked { dlsym(nil, name) }
    }

    /// The file of the loaded image containing `address`.
    static func imagePath(containing address: UnsafeRawPointer) -> String? {
        // glibc declares dladdr only under _GNU_SOURCE, which the Glibc module is not built
        // with; look it up instead. Dl_info starts with `const char *dli_fname`.
        typealias Dladdr = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
        guard let symbol = dlsym(nil, "dladdr") else { return nil }
        let dladdr = unsafeBitCast(symbol, to: Dladdr.self)
        var info: (UnsafePointer<CChar>?, UnsafeRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?) = (nil, nil, nil, nil)
        let found = withUnsafeMutableBytes(of: &info) { dladdr(address, $0.baseAddress) }
        guard found != 0, let name = info.0 else { return nil }
        return String(cString: name)
    }

    /// Why `file` does not load, from a plain `dlopen` and `dlerror`.
    private static func diagnose(_ file: String) -> PluginError {
        let reason: String = locked {
            if dlopen(file, RTLD_LAZY | RTLD_LOCAL) != nil {
                return lt_dlerror().map { String(cString: $0) } ?? "libltdl refused it"
            }
            return dlerror().map { String(cString: $0) } ?? "unknown reason"
        }
        // dlerror starts with the file's path when the problem is the file itself.
        let ownPrefix = file + ": "
        let detail = reason.hasPrefix(ownPrefix) ? String(reason.dropFirst(ownPrefix.count)) : reason
        let notELF = ["invalid ELF header", "file too short", "wrong ELF class", "ELF load command",
                      "not a dynamic", "Is a directory", "cannot read file data", "only ET_DYN"]
        if reason.hasPrefix(ownPrefix), notELF.contains(where: detail.contains) {
            return .notSharedLibrary(file: file, reason: detail)
        }
        if !reason.hasPrefix(ownPrefix), let colon = reason.range(of: ": cannot open shared object file") {
            return .missingDependency(file: file, dependency: String(reason[..<colon.lowerBound]), reason: reason)
        }
        if reason.contains("undefined symbol") {
            return .undefinedSymbol(file: file, reason: detail)
        }
        return .openFailed(file: file, reason: detail)
    }
}
