#pragma once
// A fixed pool of threads running one worker function, stopped and joined on
// every way out of the scope that owns it (return, error, exception), so no
// worker outlives the state it shares with its owner.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gbpm::core {

class WorkerThreads {
 public:
  // Starts `count` threads running `work`. The workers wait on `changed` and
  // finish once they see `stop` (guarded by `mutex`) set.
  WorkerThreads(std::size_t count, const std::function<void()>& work, std::mutex& mutex,
                std::condition_variable& changed, bool& stop);
  // Sets `stop` under `mutex`, wakes every waiter and joins every thread.
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

 private:
  void stop_and_join();

  std::mutex& m_mutex;
  std::condition_variable& m_changed;
  bool& m_stop;
  std::vector<std::thread> m_threads;
};

}  // namespace gbpm::core
