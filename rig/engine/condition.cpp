#include "rig/engine/condition.hpp"

#include <cctype>
#include <vector>

namespace rig::engine {

struct Condition::Node {
    enum class Op { fact, compare, and_, or_, not_ } op{Op::fact};
    std::string name;
    std::string cmp;  // "<", "<=", ...
    double value{0.0};
    std::shared_ptr<const Node> a, b;
};

namespace {

using NodeP = std::shared_ptr<const Condition::Node>;
using Node = Condition::Node;

struct Token {
    enum class T { word, lparen, rparen, cmp, end } t{T::end};
    std::string text;
};

bool word_char(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+' || c == '%' || c >= 0x80;
}

Result<std::vector<Token>> tokenize(const std::string& s) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == ' ' || c == '\t') { ++i; continue; }
        if (c == '(') { out.push_back({Token::T::lparen, "("}); ++i; continue; }
        if (c == ')') { out.push_back({Token::T::rparen, ")"}); ++i; continue; }
        if (c == '<' || c == '>' || c == '=' || c == '!') {
            std::string op(1, static_cast<char>(c));
            if (i + 1 < s.size() && s[i + 1] == '=') op += '=';
            if (op == "=" || op == "!")
                return Status(Code::invalid_argument, "unknown operator '" + op + "' (use == or !=)");
            out.push_back({Token::T::cmp, op});
            i += op.size();
            continue;
        }
        if (!word_char(c))
            return Status(Code::invalid_argument, std::string("unexpected character '") + static_cast<char>(c) + "'");
        size_t j = i;
        while (j < s.size() && word_char(static_cast<unsigned char>(s[j]))) ++j;
        out.push_back({Token::T::word, s.substr(i, j - i)});
        i = j;
    }
    out.push_back({Token::T::end, ""});
    return out;
}

const std::set<std::string> kStepFacts = {"passed", "failed", "ran", "skipped", "error"};

struct Parser {
    std::vector<Token> toks;
    size_t p{0};
    const std::set<std::string>& steps;

    const Token& peek() const { return toks[p]; }
    bool is_word(std::string_view w) const { return peek().t == Token::T::word && peek().text == w; }

    Result<NodeP> expr() {
        auto l = term();
        if (!l) return l;
        NodeP left = *l;
        while (is_word("or")) {
            ++p;
            auto r = term();
            if (!r) return r;
            auto n = std::make_shared<Node>();
            n->op = Node::Op::or_;
            n->a = left;
            n->b = *r;
            left = n;
        }
        return left;
    }
    Result<NodeP> term() {
        auto l = factor();
        if (!l) return l;
        NodeP left = *l;
        while (is_word("and")) {
            ++p;
            auto r = factor();
            if (!r) return r;
            auto n = std::make_shared<Node>();
            n->op = Node::Op::and_;
            n->a = left;
            n->b = *r;
            left = n;
        }
        return left;
    }
    Result<NodeP> factor() {
        if (is_word("not")) {
            ++p;
            auto f = factor();
            if (!f) return f;
            auto n = std::make_shared<Node>();
            n->op = Node::Op::not_;
            n->a = *f;
            return NodeP(n);
        }
        if (peek().t == Token::T::lparen) {
            ++p;
            auto e = expr();
            if (!e) return e;
            if (peek().t != Token::T::rparen) return Status(Code::invalid_argument, "missing ')'");
            ++p;
            return e;
        }
        if (peek().t != Token::T::word || is_word("and") || is_word("or"))
            return Status(Code::invalid_argument,
                          "expected a name, got " + (peek().t == Token::T::end ? std::string("the end") : "'" + peek().text + "'"));
        auto n = std::make_shared<Node>();
        n->name = peek().text;
        ++p;
        if (peek().t == Token::T::cmp) {
            n->op = Node::Op::compare;
            n->cmp = peek().text;
            ++p;
            if (peek().t != Token::T::word) return Status(Code::invalid_argument, "expected a value after '" + n->cmp + "'");
            std::string v = peek().text;
            ++p;
            // A unit may follow the number as its own word ("2.3 V").
            if (peek().t == Token::T::word && !is_word("and") && !is_word("or") && !is_word("not")) {
                v += " " + peek().text;
                ++p;
            }
            auto num = parse_number(v);
            if (num) {
                n->value = *num;
            } else {
                auto q = parse_quantity(v);
                if (!q || q->plus_minus) return Status(Code::invalid_argument, "expected a number or a quantity like \"2.3 V\", got \"" + v + "\"");
                n->value = q->value;
            }
            RIG_TRY(check_number_name(n->name));
        } else {
            n->op = Node::Op::fact;
            RIG_TRY(check_fact_name(n->name));
        }
        return NodeP(n);
    }

    Status check_fact_name(const std::string& name) const {
        if (name == "fixture.has_temperature") return Status::ok();
        auto dot = name.rfind('.');
        if (dot != std::string::npos && kStepFacts.count(name.substr(dot + 1))) {
            auto step = name.substr(0, dot);
            if (steps.count(step)) return Status::ok();
            return Status(Code::invalid_argument, "'" + step + "' is not the id of an earlier step");
        }
        return Status(Code::invalid_argument,
                      "unknown fact '" + name + "' (fixture.has_temperature, <step>.passed, .failed, .ran, .skipped, .error; "
                      "or compare a number: <step>.<measurement> > 2.3 V)");
    }
    Status check_number_name(const std::string& name) const {
        if (name == "fixture.cell_count") return Status::ok();
        // <step>.<measurement>: the step is the longest known prefix before a dot.
        for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
            if (steps.count(name.substr(0, dot))) return Status::ok();
        return Status(Code::invalid_argument,
                      "'" + name + "' is not fixture.cell_count nor <step>.<measurement> of an earlier step");
    }
};

bool eval_node(const Node& n, const ConditionEnv& env) {
    switch (n.op) {
        case Node::Op::and_: return eval_node(*n.a, env) && eval_node(*n.b, env);
        case Node::Op::or_: return eval_node(*n.a, env) || eval_node(*n.b, env);
        case Node::Op::not_: return !eval_node(*n.a, env);
        case Node::Op::fact: return env.fact(n.name).value_or(false);
        case Node::Op::compare: {
            auto v = env.number(n.name);
            if (!v) return false;
            double x = *v;
            if (n.cmp == "<") return x < n.value;
            if (n.cmp == "<=") return x <= n.value;
            if (n.cmp == ">") return x > n.value;
            if (n.cmp == ">=") return x >= n.value;
            if (n.cmp == "==") return x == n.value;
            return x != n.value;
        }
    }
    return false;
}

}  // namespace

Result<Condition> Condition::parse(const std::string& text, const std::set<std::string>& known_steps) {
    auto toks = tokenize(text);
    if (!toks) return toks.status();
    Parser p{std::move(*toks), 0, known_steps};
    auto root = p.expr();
    if (!root) return root.status();
    if (p.peek().t != Token::T::end)
        return Status(Code::invalid_argument, "unexpected '" + p.peek().text + "' (join conditions with and / or)");
    Condition c;
    c.text_ = text;
    c.root_ = *root;
    return c;
}

bool Condition::eval(const ConditionEnv& env) const { return root_ ? eval_node(*root_, env) : true; }

}  // namespace rig::engine
