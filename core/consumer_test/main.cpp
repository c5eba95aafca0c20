// Out-of-tree consumer of an installed samd (find_package and pkg-config).
#include <samd/samd.hpp>

int main() {
  constexpr samd::Layout L{4, 0, samd::Signedness::Unsigned};
  return L.lanes() == 16 ? 0 : 1;
}
