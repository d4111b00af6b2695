// Table-driven tests of the SNS filter-policy engine matching on message attributes (scope
// MessageAttributes), plus the CONFLICT and DOC-QUIRK cases, which check their MessageBody
// counterparts alongside. Source tags (S, D, LS, ER, I): see filter_policy_cases.h.
// Cases marked CONFLICT or DOC-QUIRK sit in their own TEST_CASEs so they can be revisited alone.
#include <doctest/doctest.h>

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

#include "emulator/sns/filter_policy.h"
#include "emulator/sns/filter_policy_cases.h"

namespace offstage::sns::filter_test {
namespace {

// ---------------------------------------------------------------------------------------------
// MessageAttributes scope: matching.
// ---------------------------------------------------------------------------------------------

// The "Filter policy examples" page's message, as attributes.
#define EXAMPLE_ATTRS                                         \
  R"({"customer_interests": {"Type": "String.Array",)"        \
  R"( "Value": "[\"soccer\", \"rugby\", \"hockey\"]"},)"      \
  R"( "store": {"Type": "String", "Value": "example_corp"},)" \
  R"( "event": {"Type": "String", "Value": "order_placed"},)" \
  R"( "price_usd": {"Type": "Number", "Value": "210.75"}})"

#define OR_POLICY                                                                 \
  R"({"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]},)" \
  R"( {"namespace": ["AWS/EC2"]}]})"

#define NESTED_OR_POLICY                                                   \
  R"({"source": ["aws.cloudwatch"], "$or": [)"                             \
  R"( {"metricName": ["CPUUtilization", "ReadLatency"]},)"                 \
  R"( {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]},)" \
  R"( {"spaceId": [1000, 2000, 3000]}]}]})"

const AttrCase kAttrCases[] = {
    // --- Filter policy examples page ---
    {"example: the accepting policy accepts the example message", "D", ACCEPTING_POLICY,
     EXAMPLE_ATTRS, true},
    {"example: the rejecting policy rejects it (encrypted absent, event and interests differ)", "D",
     REJECTING_POLICY, EXAMPLE_ATTRS, false},
    {"example variant: price below 100 is rejected", "I", ACCEPTING_POLICY,
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\"]"},)"
     R"( "store": "example_corp", "event": "order_placed",)"
     R"( "price_usd": {"Type": "Number", "Value": "99.99"}})",
     false},
    {"example variant: event order_cancelled is rejected by anything-but", "I", ACCEPTING_POLICY,
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\"]"},)"
     R"( "store": "example_corp", "event": "order_cancelled",)"
     R"( "price_usd": {"Type": "Number", "Value": "210.75"}})",
     false},
    {"example variant: no interest in common is rejected", "I", ACCEPTING_POLICY,
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"soccer\", \"hockey\"]"},)"
     R"( "store": "example_corp", "event": "order_placed",)"
     R"( "price_usd": {"Type": "Number", "Value": "210.75"}})",
     false},
    {"example variant: a missing store attribute is rejected", "D", ACCEPTING_POLICY,
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\"]"},)"
     R"( "event": "order_placed", "price_usd": {"Type": "Number", "Value": "210.75"}})",
     false},
    {"example variant: attributes outside the policy are ignored", "D",
     R"({"store": ["example_corp"]})",
     R"({"store": "example_corp", "unrelated": "x", "n": {"Type": "Number", "Value": "1"}})", true},

    // --- String value matching: exact ---
    {"exact: rugby", "D", R"({"customer_interests": ["rugby", "tennis"]})",
     R"({"customer_interests": {"Type": "String", "Value": "rugby"}})", true},
    {"exact: tennis", "D", R"({"customer_interests": ["rugby", "tennis"]})",
     R"({"customer_interests": {"Type": "String", "Value": "tennis"}})", true},
    {"exact: String.Array [rugby, tennis]", "D", R"({"customer_interests": ["rugby", "tennis"]})",
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"tennis\"]"}})",
     true},
    {"exact: baseball does not match", "D", R"({"customer_interests": ["rugby", "tennis"]})",
     R"({"customer_interests": {"Type": "String", "Value": "baseball"}})", false},
    {"exact: String.Array [baseball] does not match", "D",
     R"({"customer_interests": ["rugby", "tennis"]})",
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\"]"}})", false},
    {"exact: comparison is case-sensitive", "D", R"({"customer_interests": ["rugby"]})",
     R"({"customer_interests": "Rugby"})", false},
    {"exact: no substring match", "I", R"({"customer_interests": ["rugby"]})",
     R"({"customer_interests": "rugby league"})", false},
    {"exact: empty string matches empty string", "I", R"({"k": [""]})", R"({"k": ""})", true},
    {"blog: exact sport rugby", "D", R"({"sport": ["rugby"]})", R"({"sport": "rugby"})", true},

    // --- String.Array attributes (S test_exists_filter_policy_attributes_array) ---
    {"String attribute value1 matches [value1]", "S", R"({"store": ["value1"]})",
     R"({"store": {"Type": "String", "Value": "value1"}})", true},
    {"String.Array [value1, value2] matches [value1]", "S", R"({"store": ["value1"]})",
     R"({"store": {"Type": "String.Array", "Value": "[\"value1\", \"value2\"]"}})", true},
    {"String.Array [value2, value3] does not match [value1]", "S", R"({"store": ["value1"]})",
     R"({"store": {"Type": "String.Array", "Value": "[\"value2\", \"value3\"]"}})", false},
    {"String.Array: prefix matches any element", "D", R"({"k": [{"prefix": "bas"}]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"rugby\", \"basketball\"]"}})", true},
    {"String.Array: suffix on no element", "I", R"({"k": [{"suffix": "ball"}]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"rugby\", \"tennis\"]"}})", false},
    {"String.Array: empty array matches no value", "I", R"({"k": ["a"]})",
     R"({"k": {"Type": "String.Array", "Value": "[]"}})", false},
    {"String.Array: numeric on number elements", "I", R"({"k": [{"numeric": [">", 75]}]})",
     R"({"k": {"Type": "String.Array", "Value": "[100, 50]"}})", true},
    {"String.Array: numeric on no element", "I", R"({"k": [{"numeric": [">", 200]}]})",
     R"({"k": {"Type": "String.Array", "Value": "[100, 50]"}})", false},
    {"String.Array: true literal matches a true element", "I", R"({"k": [true]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"a\", 1, true, null]"}})", true},
    {"String.Array: null literal matches a null element", "I", R"({"k": [null]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"a\", 1, true, null]"}})", true},
    {"String.Array: number literal matches a number element", "I", R"({"k": [1]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"a\", 1, true, null]"}})", true},
    {"String.Array: string \"1\" does not match the number element 1", "I", R"({"k": ["1"]})",
     R"({"k": {"Type": "String.Array", "Value": "[\"a\", 1, true, null]"}})", false},

    // --- Anything-but (strings) ---
    {"anything-but list: baseball", "D",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": {"Type": "String", "Value": "baseball"}})", true},
    {"anything-but list: football", "D",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": {"Type": "String", "Value": "football"}})", true},
    {"anything-but list: rugby is excluded", "D",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": {"Type": "String", "Value": "rugby"}})", false},
    {"anything-but list: tennis is excluded", "D",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": "tennis"})", false},
    {"anything-but does not match an absent attribute", "S",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})", R"({"other": "x"})",
     false},
    {"blog: anything-but single value, baseball", "D", R"({"sport": [{"anything-but": "rugby"}]})",
     R"({"sport": "baseball"})", true},
    {"blog: anything-but single value, rugby", "D", R"({"sport": [{"anything-but": "rugby"}]})",
     R"({"sport": "rugby"})", false},
    {"anything-but is case-sensitive", "I", R"({"sport": [{"anything-but": "rugby"}]})",
     R"({"sport": "RUGBY"})", true},
    {"anything-but prefix: data-entry", "D",
     R"({"event": [{"anything-but": {"prefix": "order-"}}]})",
     R"({"event": {"Type": "String", "Value": "data-entry"}})", true},
    {"anything-but prefix: order_number", "D",
     R"({"event": [{"anything-but": {"prefix": "order-"}}]})",
     R"({"event": {"Type": "String", "Value": "order_number"}})", true},
    {"anything-but prefix: order-cancelled is excluded", "D",
     R"({"event": [{"anything-but": {"prefix": "order-"}}]})",
     R"({"event": {"Type": "String", "Value": "order-cancelled"}})", false},
    {"anything-but prefix: absent attribute", "I",
     R"({"event": [{"anything-but": {"prefix": "order-"}}]})", R"({"other": "order"})", false},
    {"anything-but combined with exists:false: absent", "D",
     R"({"k": [{"anything-but": ["a"]}, {"exists": false}]})", R"({"other": "x"})", true},
    {"anything-but combined with exists:false: other value", "D",
     R"({"k": [{"anything-but": ["a"]}, {"exists": false}]})", R"({"k": "b"})", true},
    {"anything-but combined with exists:false: excluded value", "D",
     R"({"k": [{"anything-but": ["a"]}, {"exists": false}]})", R"({"k": "a"})", false},

    // --- Prefix / suffix / equals-ignore-case ---
    {"prefix: baseball", "D", R"({"customer_interests": [{"prefix": "bas"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "baseball"}})", true},
    {"prefix: basketball", "D", R"({"customer_interests": [{"prefix": "bas"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "basketball"}})", true},
    {"prefix: rugby does not match", "D", R"({"customer_interests": [{"prefix": "bas"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "rugby"}})", false},
    {"prefix is case-sensitive", "I", R"({"customer_interests": [{"prefix": "bas"}]})",
     R"({"customer_interests": "Baseball"})", false},
    {"prefix equal to the whole value", "I", R"({"k": [{"prefix": "bas"}]})", R"({"k": "bas"})",
     true},
    {"suffix: baseball", "D", R"({"customer_interests": [{"suffix": "ball"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "baseball"}})", true},
    {"suffix: basketball", "D", R"({"customer_interests": [{"suffix": "ball"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "basketball"}})", true},
    {"suffix: rugby does not match", "D", R"({"customer_interests": [{"suffix": "ball"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "rugby"}})", false},
    {"suffix longer than the value", "I", R"({"k": [{"suffix": "football"}]})", R"({"k": "ball"})",
     false},
    {"equals-ignore-case: TENNIS", "D",
     R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "TENNIS"}})", true},
    {"equals-ignore-case: Tennis", "D",
     R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "Tennis"}})", true},
    {"equals-ignore-case: tennis", "D",
     R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})",
     R"({"customer_interests": "tennis"})", true},
    {"equals-ignore-case: baseball does not match", "D",
     R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})",
     R"({"customer_interests": {"Type": "String", "Value": "baseball"}})", false},
    {"equals-ignore-case is not a prefix match", "I", R"({"k": [{"equals-ignore-case": "ten"}]})",
     R"({"k": "TENNIS"})", false},
    {"mixed conditions: any one of them", "D",
     R"({"color": ["red", {"prefix": "bl"}, {"suffix": "ue"}]})", R"({"color": "blue"})", true},
    {"mixed conditions: none of them", "D", R"({"color": ["red", {"prefix": "bl"}]})",
     R"({"color": "green"})", false},

    // --- IP address matching ---
    {"cidr: 10.0.0.0", "D", R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})",
     R"({"source_ip": {"Type": "String", "Value": "10.0.0.0"}})", true},
    {"cidr: 10.0.0.255", "D", R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})",
     R"({"source_ip": {"Type": "String", "Value": "10.0.0.255"}})", true},
    {"cidr: 10.1.1.0 does not match", "D", R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})",
     R"({"source_ip": {"Type": "String", "Value": "10.1.1.0"}})", false},
    {"cidr: 10.0.1.0 just outside /24", "I", R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})",
     R"({"source_ip": "10.0.1.0"})", false},
    {"cidr: /8", "I", R"({"source_ip": [{"cidr": "10.0.0.0/8"}]})",
     R"({"source_ip": "10.255.1.2"})", true},
    {"cidr: not an IP address", "I", R"({"source_ip": [{"cidr": "10.0.0.0/24"}]})",
     R"({"source_ip": "not-an-ip"})", false},
    {"cidr IPv6: inside 2001:db8::/32", "I", R"({"source_ip": [{"cidr": "2001:db8::/32"}]})",
     R"({"source_ip": "2001:db8::1"})", true},
    {"cidr IPv6: top of 2001:db8::/32", "I", R"({"source_ip": [{"cidr": "2001:db8::/32"}]})",
     R"({"source_ip": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"})", true},
    {"cidr IPv6: outside 2001:db8::/32", "I", R"({"source_ip": [{"cidr": "2001:db8::/32"}]})",
     R"({"source_ip": "2001:db9::1"})", false},
    {"cidr IPv6 range does not contain an IPv4 address", "I",
     R"({"source_ip": [{"cidr": "2001:db8::/32"}]})", R"({"source_ip": "10.0.0.1"})", false},
    {"cidr IPv4 range does not contain an IPv6 address", "I",
     R"({"source_ip": [{"cidr": "10.0.0.0/8"}]})", R"({"source_ip": "2001:db8::1"})", false},
    {"cidr IPv6 /64", "I", R"({"source_ip": [{"cidr": "fe80::/64"}]})",
     R"({"source_ip": "fe80::1:2:3:4"})", true},

    // --- Numeric value matching ---
    {"numeric =: 301.5", "D", R"({"price_usd": [{"numeric": ["=", 301.5]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "301.5"}})", true},
    {"numeric =: 3.015e2", "D", R"({"price_usd": [{"numeric": ["=", 301.5]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "3.015e2"}})", true},
    {"numeric =: 301.500 (blog)", "D", R"({"balance": [{"numeric": ["=", 301.5]}]})",
     R"({"balance": {"Type": "Number", "Value": "301.500"}})", true},
    {"numeric =: 301.6 does not match", "I", R"({"price_usd": [{"numeric": ["=", 301.5]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "301.6"}})", false},
    // Five digits of accuracy after the decimal point (D, filter policy constraints).
    {"numeric =: equal to five decimals", "D", R"({"p": [{"numeric": ["=", 1.000001]}]})",
     R"({"p": {"Type": "Number", "Value": "1.000002"}})", true},
    {"numeric =: differ in the fifth decimal", "D", R"({"p": [{"numeric": ["=", 1.00001]}]})",
     R"({"p": {"Type": "Number", "Value": "1.00002"}})", false},
    {"numeric >: beyond five decimals is not greater", "D", R"({"p": [{"numeric": [">", 5]}]})",
     R"({"p": {"Type": "Number", "Value": "5.000001"}})", false},
    {"numeric <: a hair below at five decimals is not less", "D",
     R"({"p": [{"numeric": ["<", 5]}]})", R"({"p": {"Type": "Number", "Value": "4.999999"}})",
     false},
    {"exact number: equal to five decimals", "D", R"({"p": [2.5]})",
     R"({"p": {"Type": "Number", "Value": "2.500000001"}})", true},
    {"numeric anything-but [100, 500]: 101", "D", R"({"price": [{"anything-but": [100, 500]}]})",
     R"({"price": {"Type": "Number", "Value": "101"}})", true},
    {"numeric anything-but [100, 500]: 100.1", "D", R"({"price": [{"anything-but": [100, 500]}]})",
     R"({"price": {"Type": "Number", "Value": "100.1"}})", true},
    {"numeric anything-but [100, 500]: 100", "D", R"({"price": [{"anything-but": [100, 500]}]})",
     R"({"price": {"Type": "Number", "Value": "100"}})", false},
    {"numeric anything-but [100, 500]: 1e2 is 100", "I",
     R"({"price": [{"anything-but": [100, 500]}]})",
     R"({"price": {"Type": "Number", "Value": "1e2"}})", false},
    {"numeric anything-but single number", "I", R"({"price": [{"anything-but": 100}]})",
     R"({"price": {"Type": "Number", "Value": "100.0"}})", false},
    {"numeric < 0: negative", "D", R"({"price_usd": [{"numeric": ["<", 0]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "-1"}})", true},
    {"numeric < 0: zero", "D", R"({"price_usd": [{"numeric": ["<", 0]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "0"}})", false},
    {"numeric (0, 150]: 150", "D", R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "150"}})", true},
    {"numeric (0, 150]: 75.25", "D", R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "75.25"}})", true},
    {"numeric (0, 150]: 0", "D", R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "0"}})", false},
    {"numeric (0, 150]: 150.00001", "D", R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "150.00001"}})", false},
    {"numeric (0, 150]: 0.00001", "D", R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})",
     R"({"price_usd": {"Type": "Number", "Value": "0.00001"}})", true},
    {"numeric (0, 100]: 99", "S", R"({"attr1": [{"numeric": [">", 0, "<=", 100]}]})",
     R"({"attr1": {"Type": "Number", "Value": "99"}})", true},
    {"numeric (0, 100]: 111", "S", R"({"attr1": [{"numeric": [">", 0, "<=", 100]}]})",
     R"({"attr1": {"Type": "Number", "Value": "111"}})", false},
    {"numeric >= 100: 100", "I", R"({"n": [{"numeric": [">=", 100]}]})",
     R"({"n": {"Type": "Number", "Value": "100"}})", true},
    {"numeric > 100: 100", "I", R"({"n": [{"numeric": [">", 100]}]})",
     R"({"n": {"Type": "Number", "Value": "100"}})", false},
    {"numeric <= 100: 100", "I", R"({"n": [{"numeric": ["<=", 100]}]})",
     R"({"n": {"Type": "Number", "Value": "100"}})", true},
    {"numeric < 100: 100", "I", R"({"n": [{"numeric": ["<", 100]}]})",
     R"({"n": {"Type": "Number", "Value": "100"}})", false},
    {"numeric [10, 20): 10", "I", R"({"n": [{"numeric": [">=", 10, "<", 20]}]})",
     R"({"n": {"Type": "Number", "Value": "10"}})", true},
    {"numeric [10, 20): 20", "I", R"({"n": [{"numeric": [">=", 10, "<", 20]}]})",
     R"({"n": {"Type": "Number", "Value": "20"}})", false},
    {"numeric two ranges OR'd: second range", "I",
     R"({"n": [{"numeric": [">=", 100, "<=", 200]}, {"numeric": [">", 300]}]})",
     R"({"n": {"Type": "Number", "Value": "301"}})", true},
    {"numeric two ranges OR'd: between them", "I",
     R"({"n": [{"numeric": [">=", 100, "<=", 200]}, {"numeric": [">", 300]}]})",
     R"({"n": {"Type": "Number", "Value": "250"}})", false},
    {"numeric limit: -1e9 equals -1000000000", "D", R"({"n": [{"numeric": ["=", -1000000000]}]})",
     R"({"n": {"Type": "Number", "Value": "-1e9"}})", true},
    {"numeric limit: 1e9 equals 1000000000.00000", "D", R"({"n": [{"numeric": ["=", 1e9]}]})",
     R"({"n": {"Type": "Number", "Value": "1000000000.00000"}})", true},
    {"numeric five decimals: 0.00001 = 1e-5", "D", R"({"n": [{"numeric": ["=", 0.00001]}]})",
     R"({"n": {"Type": "Number", "Value": "1e-5"}})", true},
    {"numeric five decimals: 0.00001 < 0.00002", "D", R"({"n": [{"numeric": ["<", 0.00002]}]})",
     R"({"n": {"Type": "Number", "Value": "0.00001"}})", true},
    {"numeric beyond the documented limit still compares (policy accepted)", "LS",
     R"({"n": [{"numeric": [">", 1000000000]}]})",
     R"({"n": {"Type": "Number", "Value": "2000000000"}})", true},
    {"numeric beyond the documented limit: below", "LS",
     R"({"n": [{"numeric": [">", 5000000000]}]})",
     R"({"n": {"Type": "Number", "Value": "4000000000"}})", false},
    {"custom Number type Number.float", "I", R"({"n": [{"numeric": [">", 1]}]})",
     R"({"n": {"Type": "Number.float", "Value": "1.5"}})", true},
    {"custom String type String.custom", "I", R"({"s": ["x"]})",
     R"({"s": {"Type": "String.custom", "Value": "x"}})", true},

    // --- Type strictness (I, see the research notes: the lead may relax these) ---
    {"numeric does not match a String attribute holding digits", "I",
     R"({"n": [{"numeric": [">", 1]}]})", R"({"n": {"Type": "String", "Value": "5"}})", false},
    {"string \"99\" does not match a Number attribute 99", "I", R"({"n": ["99"]})",
     R"({"n": {"Type": "Number", "Value": "99"}})", false},
    {"number literal 99 matches Number 99.0 numerically", "I", R"({"n": [99]})",
     R"({"n": {"Type": "Number", "Value": "99.0"}})", true},
    {"number literal 99 does not match a String attribute \"99\"", "I", R"({"n": [99]})",
     R"({"n": {"Type": "String", "Value": "99"}})", false},
    {"prefix does not match a Number attribute", "I", R"({"n": [{"prefix": "9"}]})",
     R"({"n": {"Type": "Number", "Value": "99"}})", false},
    {"literal false does not match the String \"false\"", "I", R"({"b": [false]})",
     R"({"b": "false"})", false},

    // --- Key matching (exists) ---
    {"exists:true: store present", "D", R"({"store": [{"exists": true}]})",
     R"({"store": {"Type": "String", "Value": "fans"},)"
     R"( "customer_interests": {"Type": "String.Array",)"
     R"( "Value": "[\"baseball\", \"basketball\"]"}})",
     true},
    {"exists:true: store absent", "D", R"({"store": [{"exists": true}]})",
     R"({"customer_interests": {"Type": "String.Array",)"
     R"( "Value": "[\"baseball\", \"basketball\"]"}})",
     false},
    {"exists:false: store present", "D", R"({"store": [{"exists": false}]})",
     R"({"store": {"Type": "String", "Value": "fans"},)"
     R"( "customer_interests": {"Type": "String.Array",)"
     R"( "Value": "[\"baseball\", \"basketball\"]"}})",
     false},
    {"exists:false: store absent", "D", R"({"store": [{"exists": false}]})",
     R"({"customer_interests": {"Type": "String.Array",)"
     R"( "Value": "[\"baseball\", \"basketball\"]"}})",
     true},
    {"exists:true on Number attributes store and def", "S", R"({"store": [{"exists": true}]})",
     R"({"store": {"Type": "Number", "Value": "99"}, "def": {"Type": "Number", "Value": "99"}})",
     true},
    {"exists:true, only attr1", "S", R"({"store": [{"exists": true}]})",
     R"({"attr1": {"Type": "Number", "Value": "111"}})", false},
    {"exists:false, only def", "S", R"({"store": [{"exists": false}]})",
     R"({"def": {"Type": "Number", "Value": "99"}})", true},
    {"exists:false, store and def", "S", R"({"store": [{"exists": false}]})",
     R"({"store": {"Type": "Number", "Value": "99"}, "def": {"Type": "Number", "Value": "99"}})",
     false},
    {"exists:true with a value condition on another key", "I",
     R"({"store": [{"exists": true}], "event": ["order_placed"]})",
     R"({"store": "x", "event": "order_placed"})", true},

    // --- null / anything-but with no attributes (S test_filter_policy, messages-3) ---
    {"[null, anything-but] does not match a message with no attributes", "S",
     R"({"attr1": [null, {"anything-but": "whatever"}]})", R"({})", false},
    {"[null, anything-but]: another value matches the anything-but", "I",
     R"({"attr1": [null, {"anything-but": "whatever"}]})", R"({"attr1": "x"})", true},
    {"[null, anything-but]: the excluded value", "I",
     R"({"attr1": [null, {"anything-but": "whatever"}]})", R"({"attr1": "whatever"})", false},
    {"null does not match an absent attribute", "S", R"({"attr1": [null]})", R"({"other": "x"})",
     false},

    // --- No attributes at all / Binary attributes ---
    {"exists:false does not match a message with no attributes at all", "I",
     R"({"store": [{"exists": false}]})", R"({})", false},
    {"exact match vs no attributes", "D", R"({"store": ["x"]})", R"({})", false},
    {"Binary attribute is ignored: exists:true fails", "D", R"({"store": [{"exists": true}]})",
     R"({"store": {"Type": "Binary", "Value": "abc"}, "other": "x"})", false},
    {"Binary attribute is ignored: exists:false matches", "D", R"({"store": [{"exists": false}]})",
     R"({"store": {"Type": "Binary", "Value": "abc"}, "other": "x"})", true},
    {"Binary attribute is ignored: exact value", "D", R"({"store": ["abc"]})",
     R"({"store": {"Type": "Binary", "Value": "abc"}})", false},
    {"Binary-only message counts as no attributes: exists:false", "I",
     R"({"store": [{"exists": false}]})", R"({"blob": {"Type": "Binary", "Value": "abc"}})", false},

    // --- AND / OR logic ---
    {"AND: rugby and price > 100", "D",
     R"({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})",
     R"({"customer_interests": "rugby", "price_usd": {"Type": "Number", "Value": "150"}})", true},
    {"AND: price not > 100", "D",
     R"({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})",
     R"({"customer_interests": "rugby", "price_usd": {"Type": "Number", "Value": "100"}})", false},
    {"AND: wrong interest", "D",
     R"({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})",
     R"({"customer_interests": "tennis", "price_usd": {"Type": "Number", "Value": "150"}})", false},
    {"AND: price missing", "D",
     R"({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})",
     R"({"customer_interests": "rugby"})", false},
    {"OR: football", "D", R"({"customer_interests": ["rugby", "football", "baseball"]})",
     R"({"customer_interests": "football"})", true},
    {"OR: hockey", "D", R"({"customer_interests": ["rugby", "football", "baseball"]})",
     R"({"customer_interests": "hockey"})", false},
    {"$or: source and metricName", "D", OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricName": "CPUUtilization"})", true},
    {"$or: source and namespace", "D", OR_POLICY,
     R"({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})", true},
    {"$or: source and both alternatives", "D", OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricName": "CPUUtilization", "namespace": "AWS/EC2"})",
     true},
    {"$or: source alone", "D", OR_POLICY, R"({"source": "aws.cloudwatch"})", false},
    {"$or: alternative without source", "D", OR_POLICY, R"({"metricName": "CPUUtilization"})",
     false},
    {"$or: wrong source", "D", OR_POLICY,
     R"({"source": "aws.events", "metricName": "CPUUtilization"})", false},
    {"$or: wrong alternative values", "D", OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricName": "ReadLatency", "namespace": "AWS/ES"})", false},
    {"nested $or: source and ReadLatency", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricName": "ReadLatency"})", true},
    {"nested $or: source, metricType and metricId", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricType": "MetricType",)"
     R"( "metricId": {"Type": "Number", "Value": "1234"}})",
     true},
    {"nested $or: source, metricType and spaceId", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricType": "MetricType",)"
     R"( "spaceId": {"Type": "Number", "Value": "2000"}})",
     true},
    {"nested $or: metricType without metricId or spaceId", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricType": "MetricType"})", false},
    {"nested $or: metricId without metricType", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricId": {"Type": "Number", "Value": "1234"}})", false},
    {"nested $or: spaceId not in the list", "D", NESTED_OR_POLICY,
     R"({"source": "aws.cloudwatch", "metricType": "MetricType",)"
     R"( "spaceId": {"Type": "Number", "Value": "4000"}})",
     false},
    {"$or only: first alternative", "D", R"({"$or": [{"a": ["1"]}, {"b": ["2"]}]})",
     R"({"a": "1"})", true},
    {"$or only: neither alternative", "D", R"({"$or": [{"a": ["1"]}, {"b": ["2"]}]})",
     R"({"c": "3"})", false},
    {"$or with exists:false in a branch", "I",
     R"({"$or": [{"a": ["1"]}, {"b": [{"exists": false}]}]})", R"({"c": "3"})", true},
    {"$or holding strings is an ordinary key named $or", "D", R"({"$or": ["a", "b"]})",
     R"({"$or": "a"})", true},
    {"$or holding strings: no attribute named $or", "D", R"({"$or": ["a", "b"]})", R"({"a": "a"})",
     false},
};

TEST_CASE("MessageAttributes scope: every documented and snapshot example") {
  CheckAttrCases(kAttrCases, std::size(kAttrCases));
}

// ---------------------------------------------------------------------------------------------
// CONFLICT: anything-but on arrays. The current AWS page says, for String.Array attributes,
// "it matches if none of the array elements are listed in the policy property"; the 2023
// page's example said ["rugby","baseball"] matches "because it contains a value that isn't
// rugby or tennis". These follow the current page for attributes; the body case follows the
// (unrevised) body example. Flip here if real AWS shows otherwise.
// ---------------------------------------------------------------------------------------------

const AttrCase kAnythingButArrayAttrCases[] = {
    {"String.Array [rugby, baseball]: rugby is listed, so no match", "D (current)",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"baseball\"]"}})",
     false},
    {"String.Array [baseball, football]: none listed", "D (current)",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"football\"]"}})",
     true},
    {"String.Array [order-1, data]: anything-but prefix, one element has it", "I",
     R"({"event": [{"anything-but": {"prefix": "order-"}}]})",
     R"({"event": {"Type": "String.Array", "Value": "[\"order-1\", \"data\"]"}})", false},
};

const BodyCase kAnythingButArrayBodyCases[] = {
    {"body [rugby, baseball]: contains a value that isn't rugby or tennis", "D (2024)",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": ["rugby", "baseball"]})", true},
    {"body [rugby, tennis]: every value excluded", "I",
     R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})",
     R"({"customer_interests": ["rugby", "tennis"]})", false},
};

TEST_CASE("CONFLICT: anything-but against arrays") {
  CheckAttrCases(kAnythingButArrayAttrCases, std::size(kAnythingButArrayAttrCases));
  CheckBodyCases(kAnythingButArrayBodyCases, std::size(kAnythingButArrayBodyCases));
}

// ---------------------------------------------------------------------------------------------
// DOC-QUIRK: the constraints page says that for attribute-based filtering, double quotes and
// backslashes must be double-escaped in the policy, "or the filter policy won't match the
// attributes of a published message". The body scope has no such rule.
// ---------------------------------------------------------------------------------------------

const AttrCase kDoubleEscapeCases[] = {
    {"double-escaped quote matches a value with a quote", "D", R"({"k": ["a\\\"b"]})",
     R"({"k": "a\"b"})", true},
    {"single-escaped quote does not match", "D", R"({"k": ["a\"b"]})", R"({"k": "a\"b"})", false},
    {"double-escaped backslash matches a value with a backslash", "D", R"({"k": ["a\\\\b"]})",
     R"({"k": "a\\b"})", true},
    {"single-escaped backslash does not match", "D", R"({"k": ["a\\b"]})", R"({"k": "a\\b"})",
     false},
};

const BodyCase kDoubleEscapeBodyCases[] = {
    {"body scope: a plain JSON-escaped quote matches", "D/I", R"({"k": ["a\"b"]})",
     R"({"k": "a\"b"})", true},
};

TEST_CASE("DOC-QUIRK: quotes and backslashes are double-escaped in attribute policies") {
  CheckAttrCases(kDoubleEscapeCases, std::size(kDoubleEscapeCases));
  CheckBodyCases(kDoubleEscapeBodyCases, std::size(kDoubleEscapeBodyCases));
}

}  // namespace
}  // namespace offstage::sns::filter_test
