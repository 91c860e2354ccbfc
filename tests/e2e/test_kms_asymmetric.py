"""KMS asymmetric and HMAC keys through boto3: RSA and ECC key specs, Sign / Verify (RAW and
DIGEST) checked outside Stratus with python `cryptography` and GetPublicKey's key, RSA
encryption made outside and decrypted in Stratus (and back), GenerateMac / VerifyMac, data
key pairs whose private key is a real KMS ciphertext.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from stratus_helpers import DEFAULT_ACCOUNT, REGION

ARN_PREFIX = f"arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT}"
RSA_SIGN = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


@pytest.fixture
def kms(client):
    return client("kms")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def new_key(kms, spec, usage, **kw) -> dict:
    return kms.create_key(KeySpec=spec, KeyUsage=usage, **kw)["KeyMetadata"]


def verify_outside(public_der: bytes, algorithm: str, message: bytes, signature: bytes, digest=False):
    """Verifies a KMS signature with python `cryptography`; raises InvalidSignature."""
    pub = serialization.load_der_public_key(public_der)
    h = HASHES[algorithm[-3:]]()
    alg = utils.Prehashed(h) if digest else h
    if algorithm.startswith("ECDSA"):
        pub.verify(signature, message, ec.ECDSA(alg))
    elif algorithm.startswith("RSASSA_PSS"):
        pub.verify(signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), alg)
    else:
        pub.verify(signature, message, padding.PKCS1v15(), alg)


# ---- key metadata ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec,usage,field,algs", [
    ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]),
    ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", RSA_SIGN),
    ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_512"]),
    ("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
    ("HMAC_224", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_224"]),
    ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_512"]),
])
def test_describe_key_per_spec(kms, spec, usage, field, algs):
    md = new_key(kms, spec, usage, Description="asym")
    assert md["KeySpec"] == md["CustomerMasterKeySpec"] == spec
    assert md["KeyUsage"] == usage and md["KeyState"] == "Enabled" and md["Enabled"] is True
    assert md[field] == algs
    for other in {"EncryptionAlgorithms", "SigningAlgorithms", "MacAlgorithms"} - {field}:
        assert other not in md
    assert "CurrentKeyMaterialId" not in md  # symmetric encryption keys only
    assert md["MultiRegion"] is False and md["Origin"] == "AWS_KMS"
    assert kms.describe_key(KeyId=md["Arn"])["KeyMetadata"] == md


def test_incompatible_usage_and_spec(kms):
    for spec, usage in (("ECC_NIST_P256", "ENCRYPT_DECRYPT"), ("HMAC_256", "SIGN_VERIFY"),
                        ("RSA_2048", "GENERATE_VERIFY_MAC")):
        with pytest.raises(ClientError) as e:
            new_key(kms, spec, usage)
        assert err(e) == ("ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}")


def test_asymmetric_keys_do_not_rotate(kms):
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    for call in (kms.enable_key_rotation, kms.rotate_key_on_demand):
        with pytest.raises(ClientError) as e:
            call(KeyId=md["KeyId"])
        assert err(e)[0] == "UnsupportedOperationException"


# ---- Sign / Verify --------------------------------------------------------------------------

@pytest.mark.parametrize("spec,algorithms", [
    ("RSA_2048", RSA_SIGN),
    ("ECC_NIST_P256", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", ["ECDSA_SHA_512"]),
    ("ECC_SECG_P256K1", ["ECDSA_SHA_256"]),
])
def test_sign_verifies_outside_stratus(kms, spec, algorithms):
    md = new_key(kms, spec, "SIGN_VERIFY")
    pub = kms.get_public_key(KeyId=md["KeyId"])
    assert pub["KeyId"] == md["Arn"] and pub["KeySpec"] == spec and pub["KeyUsage"] == "SIGN_VERIFY"
    assert pub["SigningAlgorithms"] == md["SigningAlgorithms"] and "EncryptionAlgorithms" not in pub
    message = b"message signed by KMS " * 20
    for alg in algorithms:
        out = kms.sign(KeyId=md["KeyId"], Message=message, SigningAlgorithm=alg)
        assert out["KeyId"] == md["Arn"] and out["SigningAlgorithm"] == alg
        verify_outside(pub["PublicKey"], alg, message, out["Signature"])
        with pytest.raises(InvalidSignature):
            verify_outside(pub["PublicKey"], alg, message + b"!", out["Signature"])
        v = kms.verify(KeyId=md["KeyId"], Message=message, Signature=out["Signature"], SigningAlgorithm=alg)
        assert v == {**v, "KeyId": md["Arn"], "SignatureValid": True, "SigningAlgorithm": alg}
        # DIGEST: the caller hashes; the signature is over the same digest.
        digest = hashlib.new("sha" + alg[-3:], message).digest()
        d = kms.sign(KeyId=md["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm=alg)
        verify_outside(pub["PublicKey"], alg, digest, d["Signature"], digest=True)
        assert kms.verify(KeyId=md["KeyId"], Message=message, Signature=d["Signature"],
                          SigningAlgorithm=alg)["SignatureValid"] is True


def test_verify_rejects_a_bad_signature(kms):
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    sig = kms.sign(KeyId=md["KeyId"], Message=b"a", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    with pytest.raises(ClientError) as e:
        kms.verify(KeyId=md["KeyId"], Message=b"b", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    assert err(e)[0] == "KMSInvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_verify_accepts_signatures_made_outside(kms):
    """A key imported nowhere: Stratus verifies what its own private key signed, checked by
    signing through KMS and verifying the DER-encoded ECDSA signature re-encoded outside."""
    md = new_key(kms, "ECC_NIST_P384", "SIGN_VERIFY")
    sig = kms.sign(KeyId=md["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_384")["Signature"]
    r, s = utils.decode_dss_signature(sig)
    assert kms.verify(KeyId=md["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_384",
                      Signature=utils.encode_dss_signature(r, s))["SignatureValid"]


def test_sign_errors(kms):
    ecc = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=ecc["KeyId"], Message=b"x", SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert err(e) == ("InvalidKeyUsageException",
                      "Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec ECC_NIST_P256.")
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=ecc["KeyId"], Message=b"short", MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    assert err(e) == ("ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256.")
    sym = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=sym["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    assert err(e) == ("InvalidKeyUsageException",
                      f"{sym['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for Sign.")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=ecc["KeyId"], Plaintext=b"x")
    assert err(e) == ("InvalidKeyUsageException",
                      f"{ecc['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.")
    with pytest.raises(ClientError) as e:
        kms.get_public_key(KeyId=sym["KeyId"])
    assert err(e)[0] == "UnsupportedOperationException"
    kms.disable_key(KeyId=ecc["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=ecc["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    assert err(e) == ("DisabledException", f"{ecc['Arn']} is disabled.")


# ---- RSA encryption -------------------------------------------------------------------------

def test_rsa_encryption_both_ways(kms):
    md = new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    pub = kms.get_public_key(KeyId=md["KeyId"])
    assert pub["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert "SigningAlgorithms" not in pub
    public = serialization.load_der_public_key(pub["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    for alg, h in (("RSAES_OAEP_SHA_1", hashes.SHA1), ("RSAES_OAEP_SHA_256", hashes.SHA256)):
        oaep = padding.OAEP(mgf=padding.MGF1(h()), algorithm=h(), label=None)
        outside = public.encrypt(b"sealed outside", oaep)
        back = kms.decrypt(CiphertextBlob=outside, KeyId=md["KeyId"], EncryptionAlgorithm=alg)
        assert back["Plaintext"] == b"sealed outside"
        assert back["KeyId"] == md["Arn"] and back["EncryptionAlgorithm"] == alg
        assert "KeyMaterialId" not in back
        inside = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"sealed inside", EncryptionAlgorithm=alg)
        assert inside["EncryptionAlgorithm"] == alg and len(inside["CiphertextBlob"]) == 256
        assert kms.decrypt(CiphertextBlob=inside["CiphertextBlob"], KeyId=md["Arn"],
                           EncryptionAlgorithm=alg)["Plaintext"] == b"sealed inside"


def test_rsa_encryption_errors(kms):
    md = new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")  # EncryptionAlgorithm defaults to SYMMETRIC_DEFAULT
    assert err(e) == ("InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    # Per-spec OAEP limits: 214 bytes with SHA-1, 190 with SHA-256 for RSA_2048.
    kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 214, EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 190, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 191, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert err(e)[0] == "ValidationException"
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:  # no KeyId: the RSA ciphertext names no key
        kms.decrypt(CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert err(e)[0] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as e:  # wrong OAEP hash
        kms.decrypt(CiphertextBlob=blob, KeyId=md["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_1")
    assert err(e)[0] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as e:
        kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")
    assert err(e)[0] == "InvalidKeyUsageException"
    sym = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert err(e)[0] == "InvalidKeyUsageException"
    sym_blob = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=sym_blob, KeyId=md["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert err(e)[0] == "InvalidCiphertextException"


def test_re_encrypt_between_rsa_and_symmetric(kms):
    rsa_key = new_key(kms, "RSA_3072", "ENCRYPT_DECRYPT")
    sym = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"move")["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=rsa_key["KeyId"],
                         DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256" and "DestinationKeyMaterialId" not in out
    back = kms.re_encrypt(CiphertextBlob=out["CiphertextBlob"], SourceKeyId=rsa_key["KeyId"],
                          SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256", DestinationKeyId=sym["KeyId"])
    assert kms.decrypt(CiphertextBlob=back["CiphertextBlob"])["Plaintext"] == b"move"


# ---- HMAC -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"])
def test_generate_and_verify_mac(kms, spec):
    md = new_key(kms, spec, "GENERATE_VERIFY_MAC")
    alg = "HMAC_SHA_" + spec[-3:]
    out = kms.generate_mac(KeyId=md["KeyId"], Message=b"hello", MacAlgorithm=alg)
    assert out["KeyId"] == md["Arn"] and out["MacAlgorithm"] == alg
    assert len(out["Mac"]) == int(spec[-3:]) // 8
    assert kms.generate_mac(KeyId=md["KeyId"], Message=b"hello", MacAlgorithm=alg)["Mac"] == out["Mac"]
    v = kms.verify_mac(KeyId=md["KeyId"], Message=b"hello", MacAlgorithm=alg, Mac=out["Mac"])
    assert v["MacValid"] is True and v["KeyId"] == md["Arn"] and v["MacAlgorithm"] == alg
    with pytest.raises(ClientError) as e:
        kms.verify_mac(KeyId=md["KeyId"], Message=b"hellO", MacAlgorithm=alg, Mac=out["Mac"])
    assert err(e)[0] == "KMSInvalidMacException"


def test_mac_errors(kms):
    md = new_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
    with pytest.raises(ClientError) as e:
        kms.generate_mac(KeyId=md["KeyId"], Message=b"x", MacAlgorithm="HMAC_SHA_512")
    assert err(e) == ("InvalidKeyUsageException", "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.")
    sym = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.generate_mac(KeyId=sym["KeyId"], Message=b"x", MacAlgorithm="HMAC_SHA_256")
    assert err(e) == ("InvalidKeyUsageException",
                      f"{sym['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    assert err(e)[0] == "InvalidKeyUsageException"


def test_hmac_keys_differ(kms):
    a = new_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
    b = new_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
    mac = kms.generate_mac(KeyId=a["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac != hmac.new(b"", b"m", hashlib.sha256).digest()
    with pytest.raises(ClientError) as e:
        kms.verify_mac(KeyId=b["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert err(e)[0] == "KMSInvalidMacException"


# ---- data key pairs -------------------------------------------------------------------------

@pytest.mark.parametrize("pair_spec", ["RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1"])
def test_generate_data_key_pair(kms, pair_spec):
    sym = kms.create_key()["KeyMetadata"]
    out = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec=pair_spec, EncryptionContext={"a": "b"})
    assert out["KeyId"] == sym["Arn"] and out["KeyPairSpec"] == pair_spec
    assert out["KeyMaterialId"] == sym["CurrentKeyMaterialId"]
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], password=None)
    public = serialization.load_der_public_key(out["PublicKey"])
    assert private.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo) == out["PublicKey"]
    assert type(public).__name__ == type(private.public_key()).__name__
    # The private key ciphertext is a KMS ciphertext of the symmetric key.
    back = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext={"a": "b"})
    assert back["Plaintext"] == out["PrivateKeyPlaintext"] and back["KeyId"] == sym["Arn"]
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=sym["KeyId"], KeyPairSpec=pair_spec)
    assert "PrivateKeyPlaintext" not in bare
    priv = serialization.load_der_private_key(kms.decrypt(CiphertextBlob=bare["PrivateKeyCiphertextBlob"])["Plaintext"],
                                              password=None)
    assert priv.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) == bare["PublicKey"]


def test_data_key_pair_needs_a_symmetric_key(kms):
    ecc = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    with pytest.raises(ClientError) as e:
        kms.generate_data_key_pair(KeyId=ecc["KeyId"], KeyPairSpec="RSA_2048")
    assert err(e)[0] == "InvalidKeyUsageException"
    sym = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec="SM2")
    assert err(e)[0] == "UnsupportedOperationException"


def test_asymmetric_keys_survive_restart(start_stratus, tmp_path):
    from stratus_helpers import make_client
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    kms = make_client("kms", server.url)
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    pub = kms.get_public_key(KeyId=md["KeyId"])["PublicKey"]
    mac_key = new_key(kms, "HMAC_384", "GENERATE_VERIFY_MAC")
    mac = kms.generate_mac(KeyId=mac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    server.kill()
    server = start_stratus("--data-dir", data)
    kms = make_client("kms", server.url)
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert kms.get_public_key(KeyId=md["KeyId"])["PublicKey"] == pub
    sig = kms.sign(KeyId=md["KeyId"], Message=b"after", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    verify_outside(pub, "ECDSA_SHA_256", b"after", sig)
    assert kms.verify_mac(KeyId=mac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384", Mac=mac)["MacValid"]


# ---- key agreement --------------------------------------------------------------------------

@pytest.mark.parametrize("spec,curve", [("ECC_NIST_P256", ec.SECP256R1), ("ECC_NIST_P521", ec.SECP521R1)])
def test_derive_shared_secret_matches_ecdh_outside(kms, spec, curve):
    md = new_key(kms, spec, "KEY_AGREEMENT")
    assert md["KeyAgreementAlgorithms"] == ["ECDH"] and "SigningAlgorithms" not in md
    pub = kms.get_public_key(KeyId=md["KeyId"])
    assert pub["KeyAgreementAlgorithms"] == ["ECDH"]
    peer = ec.generate_private_key(curve())
    peer_der = peer.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    out = kms.derive_shared_secret(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer_der)
    assert out["KeyId"] == md["Arn"] and out["KeyAgreementAlgorithm"] == "ECDH" and out["KeyOrigin"] == "AWS_KMS"
    outside = peer.exchange(ec.ECDH(), serialization.load_der_public_key(pub["PublicKey"]))
    assert out["SharedSecret"] == outside
    other = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ClientError) as e:
        kms.derive_shared_secret(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=other)
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=md["KeyId"], Message=b"x", SigningAlgorithm="ECDSA_SHA_256")
    assert err(e)[0] == "InvalidKeyUsageException"
    with pytest.raises(ClientError) as e:
        new_key(kms, "ECC_SECG_P256K1", "KEY_AGREEMENT")
    assert err(e)[0] == "ValidationException"


def test_rsa_generation_holds_neither_kms_nor_the_server(start_stratus):
    """An RSA-4096 key takes a second or so to generate: with one server thread, other KMS
    requests (and other services) are answered meanwhile, and the key, the data key pair and
    the import wrapping key made that way work."""
    import threading
    import time
    from stratus_helpers import make_client
    server = start_stratus("--threads", "1")
    kms = make_client("kms", server.url)
    done: dict[str, float] = {}
    made: dict[str, dict] = {}

    def create():
        made["key"] = make_client("kms", server.url).create_key(KeySpec="RSA_4096", KeyUsage="SIGN_VERIFY")
        done["key"] = time.monotonic()

    def pair(key_id):
        made["pair"] = make_client("kms", server.url).generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_4096")
        done["pair"] = time.monotonic()

    def wrapping(key_id):
        made["import"] = make_client("kms", server.url).get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_4096")
        done["import"] = time.monotonic()

    sym = kms.create_key()["KeyMetadata"]["KeyId"]
    external = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    threads = [threading.Thread(target=create), threading.Thread(target=pair, args=(sym,)),
               threading.Thread(target=wrapping, args=(external,))]
    for t in threads:
        t.start()
    time.sleep(0.05)
    kms.list_keys()
    make_client("sts", server.url).get_caller_identity()
    answered = time.monotonic()
    for t in threads:
        t.join(30)
    assert answered < min(done.values()) and len(done) == 3
    assert serialization.load_der_public_key(made["import"]["PublicKey"]).key_size == 4096
    key_id = made["key"]["KeyMetadata"]["KeyId"]
    assert made["key"]["KeyMetadata"]["KeySpec"] == "RSA_4096"
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert public.key_size == 4096
    sig = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    public.verify(sig, b"m", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    private = serialization.load_der_private_key(made["pair"]["PrivateKeyPlaintext"], password=None)
    assert private.key_size == 4096
    opened = kms.decrypt(CiphertextBlob=made["pair"]["PrivateKeyCiphertextBlob"])["Plaintext"]
    assert opened == made["pair"]["PrivateKeyPlaintext"]
