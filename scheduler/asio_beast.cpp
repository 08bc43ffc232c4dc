// Boost.Asio's and Beast's own code, compiled once for the whole program
// (BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION, set
// for every target in the top CMakeLists.txt) instead of inline in every file
// that includes them: the build was CPU-bound on those headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
