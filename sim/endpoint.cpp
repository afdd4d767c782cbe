#include "sim/endpoint.hpp"

#include "rig/core/log.hpp"

namespace rig::sim {

Endpoint::Endpoint(Reactor& reactor, std::string id, Connection conn, FrameProtocol& protocol, const Faults& faults)
    : reactor_(reactor), id_(std::move(id)), conn_(std::move(conn)), protocol_(protocol), faults_(faults),
      alive_(std::make_shared<bool>(true)) {}

Endpoint::~Endpoint() {
    *alive_ = false;
    for (auto& s : sessions_)
        if (s.disconnect_timer) reactor_.cancel(s.disconnect_timer);
    sessions_.clear();
    listener_.reset();
    pty_.reset();
}

Result<std::unique_ptr<Endpoint>> Endpoint::open(Reactor& reactor, const std::string& id, const Connection& conn,
                                                 FrameProtocol& protocol, const Faults& faults) {
    std::unique_ptr<Endpoint> e(new Endpoint(reactor, id, conn, protocol, faults));
    auto* self = e.get();
    if (conn.is_tcp()) {
        auto l = TcpListener::open(reactor, conn.host, conn.port, [self](std::unique_ptr<Stream> s) {
            rig::log::get("sim")->info("{}: connection from {}", self->id_, s->peer());
            auto* raw = s.get();
            self->attach(std::move(s), raw);
        });
        if (!l) return l.status().with_context(id);
        e->conn_.port = (*l)->port();
        e->listener_ = std::move(*l);
    } else {
        if (conn.device != "pty")
            return Status(Code::invalid_argument,
                          id + ": the virtual bench serves serial lines on a pty (device \"pty\"), got \"" +
                              conn.device + "\"");
        auto p = Pty::open(reactor, id, conn.baud > 0 ? conn.baud : 9600);
        if (!p) return p.status().with_context(id);
        e->conn_.device = (*p)->path();
        e->pty_ = std::move(*p);
        e->attach(nullptr, &e->pty_->stream());
    }
    return e;
}

std::string Endpoint::resolved() const { return conn_.str(); }

std::string Endpoint::frame_text(std::string_view f) const {
    return protocol_.binary() ? hex_bytes(f, kAllBytes) : printable(f);
}

void Endpoint::attach(std::unique_ptr<Stream> owned, Stream* stream) {
    graveyard_.clear();  // called from the listener, never from a stream's own callback
    auto& s = sessions_.emplace_back();
    s.owned = std::move(owned);
    s.stream = stream;
    s.opened = reactor_.now();
    s.silence_timer = std::make_unique<WireTimer>(reactor_);
    auto it = std::prev(sessions_.end());
    Session* sp = &*it;
    stream->on_data([this, sp](std::string_view b) { on_bytes(*sp, b); });
    stream->on_close([this, sp] {
        rig::log::get("sim")->info("{}: {} closed the connection", id_, sp->stream->peer());
        drop(*sp);
    });
    arm_disconnect(s);
}

void Endpoint::drop(Session& s) {
    if (s.disconnect_timer) reactor_.cancel(s.disconnect_timer);
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (&*it == &s) {
            // The stream may be the caller up the stack (its on_close): close it now and
            // destroy it later, from a stack that is not its own (see attach()).
            if (it->owned) {
                it->owned->close();
                graveyard_.push_back(std::move(it->owned));
            }
            sessions_.erase(it);
            return;
        }
}

void Endpoint::arm_disconnect(Session& s) {
    if (s.disconnect_timer) {
        reactor_.cancel(s.disconnect_timer);
        s.disconnect_timer = 0;
    }
    if (faults_.disconnect_after_s <= 0.0) return;
    auto at = s.opened + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(faults_.disconnect_after_s));
    if (at < reactor_.now()) at = reactor_.now();
    Session* sp = &s;
    s.disconnect_timer = reactor_.call_at(at, [this, sp] {
        sp->disconnect_timer = 0;
        if (pty_) {
            rig::log::get("sim")->warn("{}: fault disconnect_after_s: line {} goes silent", id_, conn_.device);
            sp->silenced = true;
            sp->in.clear();
            sp->stream->discard_output();
            return;
        }
        rig::log::get("sim")->warn("{}: fault disconnect_after_s: closing {}", id_, sp->stream->peer());
        graveyard_.clear();  // a timer's stack: no stream callback is running
        drop(*sp);
    });
}

void Endpoint::faults_changed() {
    for (auto& s : sessions_) {
        if (s.silenced && faults_.disconnect_after_s <= 0.0) {
            s.silenced = false;
            s.opened = reactor_.now();
        }
        if (!s.silenced) arm_disconnect(s);
    }
}

void Endpoint::on_bytes(Session& s, std::string_view bytes) {
    if (s.silenced) return;
    s.in.append(bytes);
    auto alive = alive_;
    while (auto req = protocol_.take_request(s.in)) {
        handle(s, *req);
        if (!*alive) return;
    }
    int baud = pty_ ? pty_->baud() : 0;
    auto quiet = protocol_.silence(baud);
    if (!s.in.empty() && quiet.count() > 0) {
        Session* sp = &s;
        s.silence_timer->arm(quiet, [this, sp] {
            if (auto req = protocol_.take_on_silence(sp->in)) handle(*sp, *req);
        });
    }
}

void Endpoint::handle(Session& s, const std::string& request) {
    auto log = rig::log::get("sim");
    // Frames are formatted only when someone reads them: a virtual EOL unit is ~600 frames.
    const bool trace_frames = log->should_log(spdlog::level::debug);
    if (trace_frames) log->debug("{} rx {}", id_, frame_text(request));
    if (faults_.no_reply) {
        log->debug("{}: fault no_reply: request dropped", id_);
        return;
    }
    auto reply = protocol_.answer(request);
    auto busy = protocol_.take_busy_time();
    if (reply.empty()) return;
    if (faults_.corrupt_pct > 0.0 && std::uniform_real_distribution<double>(0.0, 100.0)(rng_) < faults_.corrupt_pct) {
        reply = protocol_.corrupt(reply, rng_);
        log->debug("{}: fault corrupt_pct: reply damaged", id_);
    }
    std::chrono::nanoseconds hold{0};
    if (faults_.delay_ms > 0.0)
        hold += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(faults_.delay_ms));
    if (!reactor_.is_virtual()) {
        hold += busy;
        if (pty_) hold += wire_time(request.size() + reply.size(), pty_->baud());
    }
    if (trace_frames) log->debug("{} tx {}", id_, frame_text(reply));
    s.stream->send(std::move(reply), hold);
}

}  // namespace rig::sim
