// The framework's command line: the example's flags and defaults, MESOS_EXAMPLE_ variables, and
// one clear line for every kind of bad input.
#include "iof/framework/flags.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/view/metrics.hpp"
#include "iof/wire/json.hpp"

#include "flag_test_support.hpp"

namespace {

using iof::test::flags::Env;
using iof::test::flags::parse;

using iof::framework::FlagsOutcome;
using iof::framework::Policy;

}  // namespace

TEST_CASE("defaults are the example's, with an embedded master") {
  const auto outcome = parse({});
  REQUIRE(outcome.flags);
  const auto& flags = *outcome.flags;
  CHECK(flags.master == "local");
  CHECK(flags.num_tasks == 1);
  CHECK(flags.role == "*");
  CHECK_FALSE(flags.checkpoint);
  CHECK_FALSE(flags.authenticate);
  CHECK(flags.principal == "test");
  CHECK_FALSE(flags.secret);
  CHECK(flags.http_address == "127.0.0.1:8090");
  CHECK(flags.local_agents == 3);
  CHECK(flags.max_backoff == std::chrono::seconds(15));
  CHECK(flags.heartbeat_misses == 5);
  CHECK(flags.call_window == 64);
  CHECK(flags.content_type == iof::wire::ContentType::protobuf);
  // Beyond the example: the evacuate policy, replacement first, no task missing.
  CHECK(flags.policy == Policy::evacuate);
  CHECK(flags.evacuation.max_surge == 1);
  CHECK(flags.evacuation.max_unavailable == 0);
  CHECK(flags.evacuation.min_lead_time == std::chrono::seconds(10));
  CHECK(flags.evacuation.lead_time_factor == 2.0);
  CHECK(flags.task.cpus == 0.2);
  CHECK(flags.task.mem == 32);
  CHECK(flags.task.shell_command == "while [ true ]; do echo ZZZzzz...; sleep 5; done");
  // Beyond the example: tasks outlive a disconnection for a week, and the framework's exit.
  CHECK(flags.failover_timeout == std::chrono::hours(24 * 7));
  CHECK_FALSE(flags.teardown_on_exit);
  CHECK_FALSE(flags.state_file);
  CHECK_FALSE(flags.allow_new_framework);
  CHECK(flags.reconcile_interval == std::chrono::minutes(10));
  CHECK(flags.tls_verify);
  CHECK_FALSE(flags.tls_ca_file);
}

TEST_CASE("resilience flags, also from MESOS_EXAMPLE_ variables") {
  Env state("MESOS_EXAMPLE_STATE_FILE", "/var/lib/iof/state.json");
  Env allow("MESOS_EXAMPLE_ALLOW_NEW_FRAMEWORK", "true");
  const auto outcome =
      parse({"--failover_timeout=0secs", "--teardown_on_exit", "--reconcile_interval=30secs"});
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->failover_timeout == std::chrono::seconds(0));
  CHECK(outcome.flags->teardown_on_exit);
  CHECK(outcome.flags->state_file == "/var/lib/iof/state.json");
  CHECK(outcome.flags->allow_new_framework);
  CHECK(outcome.flags->reconcile_interval == std::chrono::seconds(30));

  const auto memory = parse({"--agent_memory=2hrs"});
  REQUIRE(memory.flags);
  CHECK(memory.flags->agent_memory == std::chrono::hours(2));
  CHECK(parse({}).flags->agent_memory == std::chrono::minutes(10));

  const auto tls = parse({"--tls_verify=false", "--tls_ca_file=/etc/hostname"});
  REQUIRE(tls.flags);
  CHECK_FALSE(tls.flags->tls_verify);
  CHECK(tls.flags->tls_ca_file == "/etc/hostname");
}

TEST_CASE("flags and MESOS_EXAMPLE_ variables, the command line winning") {
  Env upper("MESOS_EXAMPLE_NUM_TASKS", "4");
  Env lower("MESOS_EXAMPLE_role", "web");
  Env checkpoint("MESOS_EXAMPLE_CHECKPOINT", "true");
  auto outcome = parse({"--master=10.0.0.1:5050", "--policy=seed", "--content_type=json"});
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->num_tasks == 4);
  CHECK(outcome.flags->role == "web");
  CHECK(outcome.flags->checkpoint);
  CHECK(outcome.flags->master == "10.0.0.1:5050");
  CHECK(outcome.flags->policy == Policy::seed);
  CHECK(outcome.flags->content_type == iof::wire::ContentType::json);

  outcome = parse({"--num_tasks=2", "--no-checkpoint", "--max_backoff=1mins"});
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->num_tasks == 2);
  CHECK_FALSE(outcome.flags->checkpoint);
  CHECK(outcome.flags->max_backoff == std::chrono::minutes(1));
}

TEST_CASE("--secret=file:// reads the file") {
  char path[] = "/tmp/iof-secret-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  FILE* file = ::fdopen(fd, "w");
  std::fputs("s3cret\n", file);
  std::fclose(file);
  const auto outcome =
      parse({"--authenticate", "--principal=p", std::string("--secret=file://") + path});
  ::unlink(path);
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->authenticate);
  CHECK(outcome.flags->secret == "s3cret");
}

TEST_CASE("bad input exits 1 with one line naming the problem and pointing to --help") {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& [args, says] : std::vector<Case>{
           {{"--num_tasks=0"}, "Invalid value '0' for --num_tasks"},
           {{"--num_tasks=many"}, "Invalid value 'many' for --num_tasks"},
           {{"--master=nowhere"}, "Invalid --master 'nowhere'"},
           {{"--master=zk://10.0.0.1:2181/"}, "the root '/' is not supported"},
           {{"--master=http://"}, "is not a valid http(s) URL"},
           {{"--master=a:1,b"}, "'b' is not host:port"},
           {{"--bogus"}, "The following argument was not expected: --bogus"},
           {{"--policy=best"}, "for --policy: expected evacuate, seed or intent"},
           {{"--max_surge=-1"},
            "Invalid value '-1' for --max_surge: expected a count 0..1000000 or a percentage"},
           {{"--max_unavailable=x"}, "for --max_unavailable"},
           {{"--agent_memory=30secs"},
            "Invalid value '30secs' for --agent_memory: must be at least"},
           {{"--agent_memory=soon"}, "Invalid value 'soon' for --agent_memory"},
           {{"--max_surge=25 %"}, "Invalid value '25 %' for --max_surge"},
           {{"--max_surge=%"}, "Invalid value '%' for --max_surge"},
           {{"--max_surge=-25%"}, "Invalid value '-25%' for --max_surge"},
           {{"--max_surge=99999999999999999999"}, "for --max_surge"},
           {{"--max_surge=1001%"}, "percentage of --num_tasks 0%..1000%"},
           {{"--max_unavailable=101%"},
            "for --max_unavailable: expected a count 0..1000000 or a "
            "percentage of --num_tasks 0%..100%"},
           {{"--max_unavailable=25%%"}, "for --max_unavailable"},
           {{"--max_surge=0", "--max_unavailable=20%", "--num_tasks=4"},
            "--max_surge=0 and --max_unavailable=20% are both 0 for --num_tasks=4"},
           {{"--max_surge=0", "--max_unavailable=0"}, "no task could ever leave an agent"},
           {{"--min_lead_time=soon"}, "for --min_lead_time"},
           {{"--lead_time_factor=0.5"}, "for --lead_time_factor: expected a number from 1 to 100"},
           {{"--content_type=xml"}, "for --content_type"},
           {{"--task_cpus=-1"}, "for --task_cpus"},
           {{"--http_address=8090"}, "for --http_address"},
           {{"--local_agents=0"}, "for --local_agents"},
           {{"--max_backoff=10"}, "for --max_backoff"},
           {{"--max_backoff=500ms"}, "must be at least 1secs"},
           {{"--heartbeat_misses=0"}, "for --heartbeat_misses"},
           {{"--call_window=0"}, "for --call_window: expected 1..1024"},
           {{"--call_window=1025"}, "for --call_window"},
           {{"--failover_timeout=soon"}, "for --failover_timeout"},
           {{"--failover_timeout=400days"}, "must be between 0secs and 365days"},
           {{"--reconcile_interval=0secs"}, "for --reconcile_interval"},
           {{"--master=ftp://m:1"}, "neither host:port nor an http(s) URL"},
           {{"--tls_ca_file=/nonexistent/ca.pem"},
            "Invalid value '/nonexistent/ca.pem' for --tls_ca_file: No such file or directory"},
           {{"--authenticate"}, "--authenticate needs --secret"},
           {{"--secret=file:///nonexistent/secret"}, "Invalid --secret: Error reading file"},
       }) {
    CAPTURE(args.front());
    const auto outcome = parse(args);
    CHECK_FALSE(outcome.flags);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.find(says) != std::string::npos);
    CHECK(outcome.output.starts_with("inverse-offer-framework: "));
    CHECK(outcome.output.find("Run 'inverse-offer-framework --help' for usage.") !=
          std::string::npos);
  }
  Env bad("MESOS_EXAMPLE_AUTHENTICATE", "maybe");
  CHECK(parse({}).exit_code == 1);
}

TEST_CASE("every accepted --master form") {
  for (const std::string master :
       {"local", "10.0.0.1:5050", "master@10.0.0.1:5050", "a:5050,b:5050", "http://m:5050",
        "https://m.example.com:5050/", "zk://z1:2181,z2:2181/mesos", "zk://user:pass@z1:2181/mesos",
        "file:///etc/mesos/master"}) {
    CAPTURE(master);
    CHECK_FALSE(iof::framework::master_problem(master));
  }
}

TEST_CASE("--help and --version exit 0") {
  const auto help = parse({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--num_tasks") != std::string::npos);
  CHECK(help.output.find("MESOS_EXAMPLE_") != std::string::npos);
  CHECK(parse({"--version"}).exit_code == 0);
}

TEST_CASE("the seed's seven metrics under their exact names") {
  iof::framework::SchedulerState state(Policy::intent, 2, "*", {});
  const auto json =
      iof::wire::json::write_metrics(iof::framework::metrics(state, 1.5, iof::framework::Time{0}));
  for (const char* expected : {R"("inverse_offer_framework/uptime_secs":1.5)",
                               R"("inverse_offer_framework/subscribed":0.0)",
                               R"("inverse_offer_framework/offers_received":0.0)",
                               R"("inverse_offer_framework/inverse_offers_received":0.0)",
                               R"("inverse_offer_framework/sleepers_killed":0.0)",
                               R"("inverse_offer_framework/sleepers_lost_abnormally":0.0)",
                               R"("inverse_offer_framework/current_sleepers":0.0)"}) {
    CHECK_MESSAGE(json.find(expected) != std::string::npos, expected);
  }
  CHECK(json.starts_with(R"({"inverse_offer_framework/current_sleepers":0.0,)"));

  const auto text =
      iof::framework::prometheus_text(iof::framework::metrics(state, 1.5, iof::framework::Time{0}));
  // Prometheus text names them by its conventions (prometheus_test.cpp).
  CHECK(text.find("# TYPE inverse_offer_framework_uptime_seconds gauge\n"
                  "inverse_offer_framework_uptime_seconds 1.5\n") != std::string::npos);
  CHECK(text.find("# TYPE inverse_offer_framework_offers_received_total counter\n"
                  "inverse_offer_framework_offers_received_total 0.0\n") != std::string::npos);
}

TEST_CASE("evacuation budgets from flags and MESOS_EXAMPLE_ variables") {
  Env surge("MESOS_EXAMPLE_MAX_SURGE", "3");
  Env lead("MESOS_EXAMPLE_MIN_LEAD_TIME", "2mins");
  const auto outcome = parse({"--max_unavailable=2", "--lead_time_factor=1.5", "--policy=intent"});
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->policy == Policy::intent);
  CHECK(outcome.flags->evacuation.max_surge == 3);
  CHECK(outcome.flags->evacuation.max_unavailable == 2);
  CHECK(outcome.flags->evacuation.min_lead_time == std::chrono::minutes(2));
  CHECK(outcome.flags->evacuation.lead_time_factor == 1.5);
  // Kill-first only: no surge at all is fine when tasks may be missing.
  CHECK(parse({"--max_surge=0", "--max_unavailable=1"}).flags);
}

TEST_CASE("--spread_by names an agent attribute, also from MESOS_EXAMPLE_SPREAD_BY") {
  CHECK(parse({}).flags->evacuation.spread_by.empty());  // no spread unless asked for
  CHECK(parse({"--spread_by=rack"}).flags->evacuation.spread_by == "rack");
  {
    Env zone("MESOS_EXAMPLE_SPREAD_BY", "zone");
    CHECK(parse({}).flags->evacuation.spread_by == "zone");
    CHECK(parse({"--spread_by=rack"}).flags->evacuation.spread_by == "rack");
  }
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& [args, says] : std::vector<Case>{
           {{"--spread_by=rack:r1"},
            "Invalid value 'rack:r1' for --spread_by: expected an agent attribute's name"},
           {{"--spread_by=rack;zone"}, "Invalid value 'rack;zone' for --spread_by"},
           {{"--spread_by=my rack"}, "Invalid value 'my rack' for --spread_by"},
           {{"--spread_by=rack", "--policy=seed"}, "--spread_by needs --policy=evacuate"},
           {{"--spread_by=rack", "--policy=intent"}, "--spread_by needs --policy=evacuate"},
       }) {
    CAPTURE(args.front());
    const auto outcome = parse(args);
    CHECK_FALSE(outcome.flags);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.find(says) != std::string::npos);
  }
}

TEST_CASE("budgets as percentages of N round as Kubernetes rounds: surge up, unavailable down") {
  struct Case {
    std::string num_tasks, surge, unavailable;
    std::uint32_t want_surge, want_unavailable;
  };
  for (const auto& c : std::vector<Case>{
           {"1", "25%", "0", 1, 0},         // the default surge: never 0 for N >= 1
           {"4", "25%", "25%", 1, 1},       // exact
           {"5", "25%", "25%", 2, 1},       // 1.25: up for surge, down for unavailable
           {"12", "25%", "10%", 3, 1},      // 3 exactly, 1.2 down
           {"3", "34%", "66%", 2, 1},       // 1.02 up, 1.98 down
           {"10", "150%", "100%", 15, 10},  // surge may exceed 100%, as in Kubernetes
           {"7", "0%", "50%", 0, 3},
           {"1000000", "1000%", "100%", 10'000'000, 1'000'000},
           {"4", "3", "2", 3, 2},  // counts are taken as they are
       }) {
    CAPTURE(c.num_tasks);
    CAPTURE(c.surge);
    CAPTURE(c.unavailable);
    const auto outcome = parse({"--num_tasks=" + c.num_tasks, "--max_surge=" + c.surge,
                                "--max_unavailable=" + c.unavailable});
    REQUIRE(outcome.flags);
    CHECK(outcome.flags->evacuation.max_surge == c.want_surge);
    CHECK(outcome.flags->evacuation.max_unavailable == c.want_unavailable);
  }
}
