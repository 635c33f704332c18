#pragma once

// The seed policy (seed.cpp), Mesos's example as published, and the intent policy (intent.cpp),
// what the example meant. The intent policy keeps the seed's migration and its answer to inverse
// offers, so it is a seed policy with its own placement.
#include <string>

#include "iof/framework/core/task_policy.hpp"

namespace iof::framework {

class SeedPolicy : public TaskPolicy {
 public:
  Decision offers(PolicyHost& host, const std::vector<OfferSummary>& offers) override;
  // Accepts every inverse offer for an agent holding a task, learning its window.
  Decision inverse_offers(PolicyHost& host,
                          const v1::scheduler::Event::InverseOffers& offers) override;

 protected:
  // Kills the task on `from` so that the offer at hand can take its place: kill first, then
  // launch, the example's only way to move a task.
  static void migrate(PolicyHost& host, const std::string& from, Decision& decision);
};

class IntentPolicy final : public SeedPolicy {
 public:
  Decision offers(PolicyHost& host, const std::vector<OfferSummary>& offers) override;
};

}  // namespace iof::framework
