// Writing a report file (JSON) so that a failed write is an error and never leaves a half-written
// file behind. It lives in samd_bench because that is the library every subcommand of the samd
// program that writes files links: bench's report, and cli/infer.cpp and cli/prove.cpp.
#pragma once

#include <string>

namespace samd::output {

// Writes text to path: into a temporary file in the same directory, which replaces path only
// once every byte is written and the file is closed, so path is either the whole new text or
// what it was before. A symbolic link is followed: the file it resolves to is replaced that way
// and the link kept. A path that exists and is not a regular file (a device such as /dev/stdout
// or /dev/full, a FIFO, a dangling link) is written in place instead, since renaming would
// replace the device or the link; its write errors are reported all the same. Throws
// std::runtime_error "<who>: cannot write <path>: <strerror>".
void write_file(const std::string &who, const std::string &path, const std::string &text);

} // namespace samd::output
