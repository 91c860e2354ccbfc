// Wiring only: configuration -> store -> services -> gateway -> HTTP server.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "aws/gateway.h"
#include "builtin/builtin.h"
#include "core/log.h"
#include "net/http_server.h"
#include "services/registry.h"
#include "store/store.h"

namespace {

std::set<std::string> SplitList(const std::string& s) {
  std::set<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.insert(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stratus;
  CLI::App app{"Stratus: a local AWS cloud in one binary"};
  app.set_version_flag("--version", std::string("stratus ") + STRATUS_VERSION +
                                        " (botocore models " + STRATUS_BOTOCORE_VERSION + ")");
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string data_dir;
  std::string log_level = "info";
  bool verify = false;
  std::string account = "000000000000";
  std::string services;
  std::string secret = "test";
  int threads = 0;
  uint64_t max_request = 256u << 20;
  bool coverage = false;
  app.add_option("--host", host, "Address to listen on")->envname("STRATUS_HOST")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0: any free port)")->envname("STRATUS_PORT")->capture_default_str();
  app.add_option("--data-dir", data_dir, "Keep state durably in this directory (default: in memory)")
      ->envname("STRATUS_DATA_DIR");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->envname("STRATUS_LOG_LEVEL")->capture_default_str();
  app.add_flag("--verify-signatures", verify, "Check SigV4 signatures")->envname("STRATUS_VERIFY_SIGNATURES");
  app.add_option("--default-account", account, "Account of access keys that are not 12-digit account ids")
      ->envname("STRATUS_DEFAULT_ACCOUNT")->capture_default_str();
  app.add_option("--services", services, "Comma-separated services to enable (default: all)")
      ->envname("STRATUS_SERVICES");
  app.add_option("--secret-key", secret, "Secret of every access key Stratus did not issue, for --verify-signatures")
      ->envname("STRATUS_SECRET_KEY")->capture_default_str();
  app.add_option("--threads", threads, "Worker threads (0: one per core)")->envname("STRATUS_THREADS");
  app.add_option("--max-request-bytes", max_request, "Largest request body accepted")
      ->envname("STRATUS_MAX_REQUEST_BYTES")->capture_default_str();
  app.add_flag("--coverage", coverage, "Print the coverage table (Markdown) and exit");
  CLI11_PARSE(app, argc, argv);

  if (!log::SetLevel(log_level)) {
    std::cerr << "stratus: unknown --log-level " << log_level << "\n";
    return 2;
  }
  if (account.size() != 12 || account.find_first_not_of("0123456789") != std::string::npos) {
    std::cerr << "stratus: --default-account must be 12 digits\n";
    return 2;
  }

  aws::ServiceRegistry registry;
  const aws::CredentialResolver* credentials = nullptr;
  services::RegisterAll(registry, &credentials);
  if (coverage) {
    std::cout << builtin::CoverageMarkdown(registry);
    return 0;
  }

  std::unique_ptr<store::Store> store;
  if (data_dir.empty()) {
    store = store::OpenMemoryStore();
  } else {
    auto opened = store::OpenSqliteStore(data_dir);
    if (!opened) {
      std::cerr << "stratus: " << opened.error().message << "\n";
      return 1;
    }
    store = std::move(*opened);
  }

  SystemClock clock;
  aws::GatewayOptions gopts;
  gopts.default_account = account;
  gopts.verify_signatures = verify;
  gopts.secret_key = secret;
  gopts.enabled = SplitList(services);
  for (const auto& s : gopts.enabled) {
    bool known = false;
    for (auto id : aws::CompiledServiceIds()) known |= id == s;
    if (!known) {
      std::cerr << "stratus: unknown service in --services: " << s << "\n";
      return 2;
    }
  }

  net::ServerOptions sopts;
  sopts.host = host;
  sopts.port = static_cast<uint16_t>(port);
  sopts.threads = threads;
  sopts.max_request_bytes = max_request;

  builtin::Info info{STRATUS_VERSION, STRATUS_BOTOCORE_VERSION, data_dir, clock.NowMillis()};
  std::unique_ptr<aws::Gateway> gateway;
  net::HttpServer server(sopts, clock, [&](HttpRequest&& req, Responder respond) {
    gateway->Handle(std::move(req), std::move(respond));
  });
  gateway = std::make_unique<aws::Gateway>(
      gopts, clock, server.scheduler(), *store, registry, credentials,
      [&](const HttpRequest& req, HttpResponse& resp) {
        return builtin::Handle(req, resp, info, clock, *gateway, registry);
      });

  aws::ServiceEnv env{clock, server.scheduler(), *store, account, &registry, &server.client()};
  for (const auto& s : registry.all()) s->Start(env);

  if (auto err = server.Listen(); !err.empty()) {
    std::cerr << "stratus: " << err << "\n";
    return 1;
  }
  std::printf("stratus ready on http://%s:%u\n", host.c_str(), server.port());
  std::fflush(stdout);
  server.Run([&] { store->Flush(); },
             [&] {
               for (const auto& s : registry.all()) s->Stopping();
             });
  log::Info("stratus stopped");
  return 0;
}
