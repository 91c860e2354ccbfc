// HttpClient over Boost.Beast on the server's io_context.
#pragma once

#include <memory>

#include "core/http_client.h"

namespace boost::asio {
class io_context;
}

namespace stratus::net {

std::unique_ptr<HttpClient> MakeHttpClient(boost::asio::io_context& ioc);

}  // namespace stratus::net
