// dno-webhook: the HTTP service behind the BESS sheet's "look up" button
// (POST /trigger-dno-lookup, GET /health). Replaces dno_webhook_server.py,
// with authentication, bounded input and one lookup at a time per sheet.
// A thin shell over lib/dno (webhook.hpp).

#include "cli/tool.hpp"
#include "core/service.hpp"
#include "dno/webhook.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool(
      {.name = "dno-webhook",
       .summary = "Serve POST /trigger-dno-lookup (the BESS sheet's button) and GET /health",
       .examples =
           "Examples:\n"
           "  dno-webhook                                   127.0.0.1:5001, secret from $CREDENTIALS_DIRECTORY\n"
           "  dno-webhook --listen 127.0.0.1:5001 --sheet gsheets:1AbC...\n"
           "  curl -s -H \"Authorization: Bearer $(cat secret)\" -d '{\"postcode\":\"B1 1AA\"}' \\\n"
           "       localhost:5001/trigger-dno-lookup\n"
           "Authentication: 'Authorization: Bearer SECRET' or 'X-Gbpm-Signature: sha256=HEX' (HMAC-SHA256 of\n"
           "the body). Secret: GBPM_DNO_SECRET_FILE or LoadCredential=dno-webhook-secret:... (16+ bytes).\n"
           "Exit codes: 0 stopped by SIGTERM/SIGINT, 78 bad settings, no secret, or the address cannot be bound.\n",
       .lock_target_keys = {"GBPM_DNO_LISTEN"}});
  tool.add_setting("--listen", "GBPM_DNO_LISTEN", "HOST:PORT to serve on (default 127.0.0.1:5001)");
  tool.add_setting("--sheet", "GBPM_DNO_SHEET", "gsheets:SPREADSHEET_ID or dir:PATH whose BESS tab is written");
  tool.add_setting("--warehouse", "GBPM_DNO_WAREHOUSE", "Where tariffs live: sqlite:PATH (default GBPM_WAREHOUSE)");
  const auto& stop = gbpm::core::install_stop_signals();
  return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) { return gbpm::dno::run_webhook(ctx, stop); });
}
