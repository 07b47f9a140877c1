"""WeChat's message crypto against the published sample vectors, and its refusals."""

import pytest

from siyu.wechat.errors import DecryptError, SignatureInvalid
from siyu.wechat.msgcrypt import MessageCrypto, check_plain_signature, parse_xml, plain_signature, to_xml

SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_encrypt_matches_the_official_sdk_sample():
    # WXBizMsgCryptTest (the official Java SDK's test): fixed random "aaaabbbbccccdddd".
    crypto = MessageCrypto("pamtest", SAMPLE_KEY, "wxb11529c136998cb6")
    encrypted, _ = crypto.encrypt(
        "我是中文abcd123", nonce="xxxxxx", timestamp="1409304348", random16=b"aaaabbbbccccdddd"
    )
    assert encrypted == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )
    assert crypto.decrypt(encrypted) == "我是中文abcd123"


def test_decrypts_the_official_account_sample_push():
    crypto = MessageCrypto("spamtest", SAMPLE_KEY, "wx2c2769f8efd9abc2")
    encrypted = (
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAF"
        "mOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSn"
        "yU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77T"
        "szTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJ"
        "SgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
    )
    text = crypto.verify_and_decrypt(
        "5d197aaffba7e9b25a30732f161a50dee96bd5fa", "1409735669", "1320562132", encrypted
    )
    fields = parse_xml(text.encode())
    assert fields["MsgType"] == "text"
    assert fields["ToUserName"] == "gh_10f6c3c3ac5a"


def test_round_trip_and_refusals():
    crypto = MessageCrypto("tok", SAMPLE_KEY, "ww-corp")
    encrypted, signature = crypto.encrypt("<xml><A>1</A></xml>", nonce="n1", timestamp="1700000000")
    assert crypto.verify_and_decrypt(signature, "1700000000", "n1", encrypted) == "<xml><A>1</A></xml>"
    with pytest.raises(SignatureInvalid):
        crypto.verify_and_decrypt(signature, "1700000001", "n1", encrypted)
    with pytest.raises(DecryptError):
        MessageCrypto("tok", SAMPLE_KEY, "another-corp").decrypt(encrypted)
    with pytest.raises(DecryptError):
        crypto.decrypt("not base64!")
    with pytest.raises(DecryptError):
        MessageCrypto("tok", "short", "x")


def test_plain_signature_is_sha1_of_the_sorted_parts():
    assert plain_signature("token", "1", "2") == "6d7149e287208afb17c14861c125053fd80c0f86"  # sha1("12token")
    signature = plain_signature("token", "1409304348", "xxxxxx")
    check_plain_signature("token", "1409304348", "xxxxxx", signature)
    with pytest.raises(SignatureInvalid):
        check_plain_signature("token", "1409304348", "yyyyyy", signature)
    with pytest.raises(SignatureInvalid):
        check_plain_signature("", "1409304348", "xxxxxx", plain_signature("", "1409304348", "xxxxxx"))


def test_xml_in_and_out():
    xml = to_xml({"ToUserName": "gh_1", "CreateTime": 1700000000, "Content": "a]]>b 你好"})
    assert xml == (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime>"
        "<Content><![CDATA[a]]]]><![CDATA[>b 你好]]></Content></xml>"
    )
    assert parse_xml(xml.encode()) == {
        "ToUserName": "gh_1",
        "CreateTime": "1700000000",
        "Content": "a]]>b 你好",
    }
    with pytest.raises(DecryptError):
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><xml><A>&a;</A></xml>')
    with pytest.raises(DecryptError):
        parse_xml(b"<xml><A>")
