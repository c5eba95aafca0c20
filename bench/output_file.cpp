#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace samd::output {
namespace {

[[noreturn]] void fail(const std::string &who, const std::string &path, int err) {
  throw std::runtime_error(who + ": cannot write " + path + ": " + std::strerror(err));
}

// Writes all of text to fd, then closes it: the errno of the first failure, or 0. close() is
// checked too: on some file systems it is where a failed write shows.
int write_and_close(int fd, const std::string &text) {
  int err = 0;
  for (std::size_t at = 0; at < text.size() && err == 0;) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n >= 0)
      at += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      err = errno;
  }
  if (::close(fd) != 0 && err == 0)
    err = errno;
  return err;
}

// A symbolic link (or a chain of them): the path it resolves to, so that the file it names is
// replaced and the link kept. A dangling link stays as it is (written in place, created).
std::string through_links(const std::string &path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
    return path;
  char *real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr)
    return path;
  std::string out(real);
  std::free(real);
  return out;
}

// An existing path that is not a regular file (a device, a FIFO, a dangling link): written in
// place.
bool write_in_place(const std::string &path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

// The mode the new file gets: the replaced file's, else what open() would give under the umask.
mode_t new_file_mode(const std::string &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    return st.st_mode & 07777;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

} // namespace

void write_file(const std::string &who, const std::string &path, const std::string &text) {
  const std::string target = through_links(path);
  if (write_in_place(target)) {
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
      fail(who, path, errno);
    if (const int err = write_and_close(fd, text))
      fail(who, path, err);
    return;
  }
  std::string tmp = target + ".XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0)
    fail(who, path, errno);
  int err = ::fchmod(fd, new_file_mode(target)) == 0 ? 0 : errno;
  if (err != 0)
    ::close(fd);
  else
    err = write_and_close(fd, text);
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0)
    err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(who, path, err);
  }
}

} // namespace samd::output
