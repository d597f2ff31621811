#include "core/workers.hpp"

namespace gbpm::core {

WorkerThreads::WorkerThreads(std::size_t count, const std::function<void()>& work, std::mutex& mutex,
                             std::condition_variable& changed, bool& stop)
    : m_mutex(mutex), m_changed(changed), m_stop(stop) {
  m_threads.reserve(count);
  try {
    for (std::size_t i = 0; i < count; ++i) m_threads.emplace_back(work);
  } catch (...) {
    stop_and_join();  // the destructor does not run for a half-built object
    throw;
  }
}

WorkerThreads::~WorkerThreads() {
  stop_and_join();
}

void WorkerThreads::stop_and_join() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  for (std::thread& t : m_threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace gbpm::core
